"""``make run``'s webhook promise: register the printed endpoint, pay, and a signed
``payment_intent.succeeded`` arrives that ``standardwebhooks`` verifies."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from tests.devserver import free_port, require_curl, running_devserver
from tests.integration.webhooks.receiver import running_receiver


@pytest.fixture(autouse=True)
def _curl() -> None:
    require_curl()


def test_make_run_prints_how_to_watch_signed_webhooks_arrive(tmp_path: Path) -> None:
    hook_port = free_port()
    with running_devserver(tmp_path, callback_delay_ms=200, extra_args=("--hook-port", str(hook_port))) as server:
        printed = server.printed
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
    assert server.exit_code == 0
