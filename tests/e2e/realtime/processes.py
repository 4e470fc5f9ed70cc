"""Real API processes (``micropay serve``) and a simulator process on one Postgres database, for the
cross-process realtime tests. Each process is a separate interpreter: nothing is shared but the database.

Every API process gets the same ``MICROPAY_PUBLIC_URL`` (the callback target), so Daraja's callbacks
always land on one chosen process while the test waits on another.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

MICROPAY = Path(sys.executable).with_name("micropay")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    """Until ``url`` answers 200 (``/healthz``, or the simulator's ``/simulator/stats``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not start:\n{log.read_text()[-3000:]}")


class Process:
    """One child process listening on ``url``; its output goes to a log file (read on failure)."""

    def __init__(
        self, name: str, args: list[str], env: dict[str, str], port: int, workdir: Path, health: str = "/healthz"
    ) -> None:
        self.name = name
        self.url = f"http://127.0.0.1:{port}"
        self.log = workdir / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(args, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
        _wait_healthy(f"{self.url}{health}", self.process, self.log)

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class Cluster:
    """A simulator and any number of API processes on ``database_url``."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.callback_port = free_port()
        self.processes: list[Process] = []
        self.env = {name: value for name, value in os.environ.items() if not name.startswith("MICROPAY_")}
        self.env.update(
            MICROPAY_DATABASE_URL=database_url,
            MICROPAY_VAULT_KEY=base64.b64encode(os.urandom(32)).decode(),
            MICROPAY_JWT_SECRET=base64.b64encode(os.urandom(32)).decode(),
            MICROPAY_PUBLIC_URL=f"http://127.0.0.1:{self.callback_port}",
            MICROPAY_SANDBOX_CONSUMER_KEY="cluster-consumer-key",
            MICROPAY_SANDBOX_CONSUMER_SECRET="cluster-consumer-secret",
            MICROPAY_RECONCILE_INTERVAL="0",
            MICROPAY_LOG_LEVEL="WARNING",
            MICROPAY_SIM_CALLBACK_DELAY_MS="300",
        )

    def start_simulator(self) -> None:
        port = free_port()
        simulator = self._start("simulator", ["simulator", "--port", str(port)], port, health="/simulator/stats")
        self.env["MICROPAY_DARAJA_SANDBOX_URL"] = simulator.url

    def _start(
        self, name: str, args: list[str], port: int, extra: dict[str, str] | None = None, health: str = "/healthz"
    ) -> Process:
        env = {**self.env, **(extra or {})}
        process = Process(name, [str(MICROPAY), *args], env, port, self.workdir, health)
        self.processes.append(process)
        return process

    def api(self, name: str, *, receives_callbacks: bool = False, **settings: str) -> Process:
        """Start ``micropay serve``; ``receives_callbacks`` puts it on the port Daraja's callbacks go to."""
        port = self.callback_port if receives_callbacks else free_port()
        return self._start(name, ["serve", "--port", str(port)], port, settings)

    def by_name(self, name: str) -> Process:
        (process,) = [p for p in self.processes if p.name == name]
        return process

    def create_merchant(self) -> dict[str, Any]:
        output = subprocess.run(
            [str(MICROPAY), "merchants", "create", "--name", "Cluster Shop"],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        created: dict[str, Any] = json.loads(output)
        return created

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@contextmanager
def cluster(database_url: str, workdir: Path) -> Iterator[Cluster]:
    running = Cluster(database_url, workdir)
    try:
        running.start_simulator()
        yield running
    finally:
        running.stop()
