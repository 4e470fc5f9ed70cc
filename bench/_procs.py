"""Processes and the database: a fresh Postgres database per run, the API server, CPU pinning, RSS."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Final

import asyncpg
import msgspec
from _http import HttpConnection, HttpError

ADMIN_DSN: Final = os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
STARTUP_TIMEOUT_S: Final = 20.0


def app_dsn(admin_dsn: str, database: str) -> str:
    """``postgresql+asyncpg://…/<database>`` for the API, from the admin DSN (same host, port and user)."""
    base = admin_dsn.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"


def raw_dsn(admin_dsn: str, database: str) -> str:
    return f"{admin_dsn.rsplit('/', 1)[0]}/{database}"


async def create_database(admin_dsn: str, name: str) -> None:
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(admin_dsn: str, name: str) -> None:
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def postgres_settings(dsn: str) -> dict[str, str]:
    connection = await asyncpg.connect(dsn)
    try:
        names = ("server_version", "max_connections", "shared_buffers", "synchronous_commit", "fsync")
        return {name: str(await connection.fetchval(f"SHOW {name}")) for name in names}
    finally:
        await connection.close()


def api_environment(database_url: str, public_url: str, daraja_url: str) -> dict[str, str]:
    """The API's settings (contract §6): a throwaway vault key and the fake Daraja as the sandbox."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MICROPAY_")}
    env.update(
        MICROPAY_DATABASE_URL=database_url,
        MICROPAY_VAULT_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        MICROPAY_JWT_SECRET=base64.b64encode(secrets.token_bytes(32)).decode(),  # required with Postgres
        MICROPAY_PUBLIC_URL=public_url,
        MICROPAY_DARAJA_SANDBOX_URL=daraja_url,
        MICROPAY_SANDBOX_CONSUMER_KEY="bench-consumer-key",
        MICROPAY_SANDBOX_CONSUMER_SECRET="bench-consumer-secret",
    )
    return env


def micropay(*args: str, env: Mapping[str, str]) -> str:
    """Run the ``micropay`` CLI (as ``python -m``) and return its stdout; raise with its stderr on failure."""
    command = [sys.executable, "-m", "micropay.entrypoints.cli", *args]
    done = subprocess.run(command, env=dict(env), capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"micropay {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def create_merchant(env: Mapping[str, str]) -> tuple[str, str]:
    """``(merchant_id, sandbox secret key)`` of a new merchant."""
    created = msgspec.json.decode(micropay("merchants", "create", "--name", "Bench", env=env))
    return str(created["merchant_id"]), str(created["keys"]["sandbox"]["secret"])


def pin(cpus: Iterable[int]) -> None:
    """Pin this process (and what it spawns later) to ``cpus``."""
    os.sched_setaffinity(0, set(cpus))


class Server:
    """The API as an OS process, pinned to ``cpus``; ``startup_s`` is process start to the first /healthz 200."""

    def __init__(self, command: list[str], env: Mapping[str, str], cpus: set[int], port: int, log: IO[bytes]) -> None:
        self.port = port
        self.startup_s: float | None = None
        self._started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: os.sched_setaffinity(0, cpus),
        )

    async def wait_healthy(self) -> float:
        deadline = self._started + STARTUP_TIMEOUT_S
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API exited with {self.process.returncode} before /healthz answered")
            connection = HttpConnection("127.0.0.1", self.port)
            try:
                status, _ = await connection.request("GET", "/healthz")
                if status == 200:
                    self.startup_s = time.perf_counter() - self._started
                    return self.startup_s
            except HttpError:
                pass
            finally:
                await connection.close()
            await asyncio.sleep(0.005)
        raise RuntimeError(f"/healthz did not answer 200 within {STARTUP_TIMEOUT_S} s")

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the uvicorn workers if it forked some, else the server itself."""
        children = _children(self.process.pid)
        workers = [pid for pid in children if b"spawn_main" in _cmdline(pid)]
        return workers or [self.process.pid]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def memory_kib(pid: int) -> tuple[int, int]:
    """``(VmRSS, VmHWM)`` of ``pid`` in KiB: the current and the peak resident set size."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` (all its threads) so far, from the scheduler's exact run-time accounting.

    Not /proc/<pid>/stat's utime + stime: those are sampled at the timer tick, which misses much of the work
    of processes that run in short bursts (a Postgres backend answering one statement at a time).
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def core_times() -> dict[int, tuple[float, float]]:
    """``{cpu: (idle + iowait ticks, total ticks)}`` from /proc/stat."""
    cores: dict[int, tuple[float, float]] = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *ticks = line.split()
        if name.startswith("cpu") and name != "cpu":
            values = [float(tick) for tick in ticks[:8]]
            cores[int(name[3:])] = (values[3] + values[4], sum(values))
    return cores


def postgres_cpu() -> dict[int, float]:
    """CPU seconds so far of every process named ``postgres`` (all backends and helpers of the cluster)."""
    seconds: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    seconds[int(entry.name)] = cpu_seconds(int(entry.name))
            except OSError:
                continue
    return seconds
