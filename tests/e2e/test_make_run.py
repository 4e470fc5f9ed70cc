"""``make run``'s promise: start it, paste the printed commands, see a payment succeed; Ctrl-C stops all.

Runs the dev server (what ``make run`` runs) in a scratch directory on free ports, executes the curl
command it prints with a real shell, and follows the payment to ``succeeded``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _read_instructions(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
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


def test_make_run_prints_commands_that_take_a_payment_to_succeeded(tmp_path: Path) -> None:
    port, sim_port = _free_port(), _free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("MICROPAY_")}
    env["MICROPAY_SIM_CALLBACK_DELAY_MS"] = "200"
    process = subprocess.Popen(
        [sys.executable, "-m", "micropay.entrypoints.devserver", "--port", str(port), "--sim-port", str(sim_port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = _read_instructions(process)
        create = re.search(r"\n  (curl -s \S+/v1/payment_intents -H .*?-d '[^']*')", printed, re.DOTALL)
        assert create is not None, printed
        answer = subprocess.run(
            ["/bin/bash", "-c", create.group(1)], capture_output=True, text=True, timeout=30, check=True
        )
        intent = json.loads(answer.stdout)
        assert intent["status"] == "processing", answer.stdout
        key = re.search(r"secret\s+(sk_test_\w+)", printed)
        assert key is not None
        final = intent
        for _ in range(100):
            final = httpx.get(
                f"http://127.0.0.1:{port}/v1/payment_intents/{intent['id']}",
                headers={"Authorization": f"Bearer {key.group(1)}"},
            ).json()
            if final["status"] != "processing":
                break
            time.sleep(0.1)
        assert final["status"] == "succeeded", final
        assert final["mpesa"]["receipt_number"]
        # the printed demo login signs in to the demo merchant, and its session sees the payment
        email = re.search(r"email\s+(\S+@\S+)", printed)
        password = re.search(r"password\s+(\S+)", printed)
        assert email is not None, printed
        assert password is not None, printed
        session = httpx.post(
            f"http://127.0.0.1:{port}/v1/auth/login", json={"email": email.group(1), "password": password.group(1)}
        )
        assert session.status_code == 200, session.text
        seen = httpx.get(
            f"http://127.0.0.1:{port}/v1/payment_intents/{intent['id']}",
            headers={"Authorization": f"Bearer {session.json()['access_token']}"},
        )
        assert seen.status_code == 200
        assert seen.json()["status"] == "succeeded"
        # the printed dashboard URL serves the dashboard (no Node.js: it ships built in the package)
        dashboard = re.search(r"Merchant dashboard: (\S+)", printed)
        assert dashboard is not None, printed
        page = httpx.get(dashboard.group(1))
        assert page.status_code == 200
        assert '<div id="root">' in page.text
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0
    for used in (port, sim_port):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine, a listener is not
            sock.bind(("127.0.0.1", used))  # both servers are gone
