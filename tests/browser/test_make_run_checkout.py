"""``make run`` prints a checkout link for a fresh intent; a customer pays through it in Chromium.

This is the newcomer's path with no Node.js: the dev server (what ``make run`` runs) serves the committed
build of the checkout example, and the link it prints carries the intent, its client secret and the
publishable key, as a merchant's server would render them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.realtime_routes import ExcusedConsole, missing_routes

pytestmark = pytest.mark.browser

CHECKOUT_LINK = re.compile(
    r"(http://127\.0\.0\.1:\d+/examples/checkout\?payment_intent=pi_\w+&client_secret=\S+&key=pk_test_\w+)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _instructions(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
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


def test_the_printed_checkout_link_takes_a_payment(page: Page, page_errors: list[str], tmp_path: Path) -> None:
    port, sim_port = _free_port(), _free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("MICROPAY_")}
    env["MICROPAY_SIM_CALLBACK_DELAY_MS"] = "300"
    process = subprocess.Popen(
        [sys.executable, "-m", "micropay.entrypoints.devserver", "--port", str(port), "--sim-port", str(sim_port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = _instructions(process)
        link = CHECKOUT_LINK.search(printed)
        assert link is not None, printed

        secret_key = re.search(r"secret\s+(sk_test_\w+)", printed)
        assert secret_key is not None
        intent_id = re.search(r"payment_intent=(pi_\w+)", link.group(1))
        assert intent_id is not None
        console = ExcusedConsole(
            page, missing_routes(f"http://127.0.0.1:{port}", secret_key.group(1), intent_id.group(1))
        )

        page.goto(link.group(1))
        page.get_by_label("M-Pesa phone number").fill("0708374149")
        page.get_by_role("button", name="Pay KES 1,500").click()

        expect(page.get_by_role("heading", name="Paid")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("M-Pesa receipt")
        assert console.unexpected(page_errors) == []
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
