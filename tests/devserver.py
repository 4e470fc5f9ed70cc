"""Runs what ``make run`` runs (the dev server) in a scratch directory, for the tests of a newcomer's path.

``running_devserver`` starts it on free ports with a clean environment, waits for the instructions it
prints, and stops it with Ctrl-C (SIGINT) on the way out, as a newcomer would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def require_curl() -> None:
    """The printed commands are curl commands: skipped locally without curl, a failure under ``CI=true``."""
    if shutil.which("curl") is not None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("curl is not installed; the make-run tests must run under CI.", pytrace=False)
    pytest.skip("curl is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def clean_environment() -> dict[str, str]:
    """This process's environment without any ``MICROPAY_*`` setting the test runner may carry."""
    return {name: value for name, value in os.environ.items() if not name.startswith("MICROPAY_")}


def read_instructions(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """Everything the dev server prints up to its last instruction line ("Ctrl-C stops ...")."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError("make run stopped early:\n" + "".join(lines))
        lines.append(line)
        if "Ctrl-C stops" in line:
            return "".join(lines)
    raise AssertionError("make run printed no instructions in time:\n" + "".join(lines))


@dataclass
class DevServer:
    port: int
    sim_port: int
    printed: str
    exit_code: int | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def running_devserver(cwd: Path, *, callback_delay_ms: int, extra_args: tuple[str, ...] = ()) -> Iterator[DevServer]:
    """The dev server on free ports; ``exit_code`` is set once it has stopped after Ctrl-C."""
    port, sim_port = free_port(), free_port()
    env = clean_environment() | {"MICROPAY_SIM_CALLBACK_DELAY_MS": str(callback_delay_ms)}
    command = [sys.executable, "-m", "micropay.entrypoints.devserver", "--port", str(port), "--sim-port", str(sim_port)]
    process = subprocess.Popen(
        [*command, *extra_args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    server = DevServer(port=port, sim_port=sim_port, printed="")
    try:
        server.printed = read_instructions(process)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            server.exit_code = process.wait(timeout=60)  # a bound, not a speed: stopping under a loaded machine
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
