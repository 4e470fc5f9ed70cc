"""``make run``'s promise: start it, paste the printed commands, see a payment succeed; Ctrl-C stops all.

Runs the dev server (what ``make run`` runs) in a scratch directory on free ports, executes the curl
command it prints with a real shell, and follows the payment to ``succeeded``.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.devserver import require_curl, running_devserver


@pytest.fixture(autouse=True)
def _curl() -> None:
    require_curl()


def test_make_run_prints_commands_that_take_a_payment_to_succeeded(tmp_path: Path) -> None:
    with running_devserver(tmp_path, callback_delay_ms=200) as server:
        port, sim_port, printed = server.port, server.sim_port, server.printed
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
    assert server.exit_code == 0
    for used in (port, sim_port):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine, a listener is not
            sock.bind(("127.0.0.1", used))  # both servers are gone
