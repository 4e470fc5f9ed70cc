"""``make run``'s webhook promise: register the printed endpoint, pay, and a signed
``payment_intent.succeeded`` arrives that ``standardwebhooks`` verifies."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from tests.e2e.test_make_run import _free_port, _read_instructions
from tests.integration.webhooks.receiver import running_receiver

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def test_make_run_prints_how_to_watch_signed_webhooks_arrive(tmp_path: Path) -> None:
    port, sim_port, hook_port = _free_port(), _free_port(), _free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("MICROPAY_")}
    env["MICROPAY_SIM_CALLBACK_DELAY_MS"] = "200"
    command = [sys.executable, "-m", "micropay.entrypoints.devserver", "--port", str(port), "--sim-port", str(sim_port)]
    process = subprocess.Popen(
        [*command, "--hook-port", str(hook_port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = _read_instructions(process)
        assert f"python -m micropay.entrypoints.webhook_echo --port {hook_port}" in printed
        register = re.search(r"\n  (curl -s \S+/v1/webhook_endpoints -H .*?-d '[^']*')", printed, re.DOTALL)
        create = re.search(r"\n  (curl -s \S+/v1/payment_intents -H .*?-d '[^']*')", printed, re.DOTALL)
        assert register is not None, printed
        assert create is not None, printed
        with running_receiver(port=hook_port) as receiver:  # stands in for the printed echo receiver
            shell = ["/bin/bash", "-c"]
            endpoint = json.loads(
                subprocess.run([*shell, register.group(1)], capture_output=True, text=True, check=True).stdout
            )
            assert endpoint["url"] == f"http://127.0.0.1:{hook_port}/hooks", endpoint
            intent = json.loads(
                subprocess.run([*shell, create.group(1)], capture_output=True, text=True, check=True).stdout
            )
            deadline = time.monotonic() + 30
            succeeded = None
            while succeeded is None and time.monotonic() < deadline:
                for request in receiver.requests():
                    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
                    if payload["type"] == "payment_intent.succeeded":
                        succeeded = payload
                time.sleep(0.1)
        assert succeeded is not None, [r.body for r in receiver.requests()]
        assert succeeded["data"]["object"]["id"] == intent["id"]
        assert succeeded["data"]["object"]["status"] == "succeeded"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0
