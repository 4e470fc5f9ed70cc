"""The quickstart in docs/sdk-python.md, extracted from the doc and run as written against the real stack."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.client import Merchant
from tests.e2e.harness import Stack
from tests.e2e.test_make_run import _free_port, _read_instructions

DOC = Path(__file__).resolve().parents[3] / "docs" / "sdk-python.md"


def quickstart_code() -> str:
    """The first ``python`` block under the doc's "## Quickstart" heading."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None, "docs/sdk-python.md: no python block in the Quickstart section"
    return found.group(1)


def test_the_quickstart_is_ten_lines_of_code() -> None:
    lines = [line for line in quickstart_code().splitlines() if line.strip()]

    assert len(lines) <= 10, lines


def test_the_quickstart_takes_a_payment_to_succeeded(stack: Stack, merchant: Merchant, tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("MICROPAY_")}
    env |= {"MICROPAY_API_KEY": merchant.sk_test, "MICROPAY_BASE_URL": stack.api_url}

    ran = subprocess.run(
        [sys.executable, "-c", quickstart_code()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert ran.returncode == 0, ran.stderr
    first, last = ran.stdout.strip().splitlines()[0], ran.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"pi_[0-9A-Za-z]{24} processing", first), ran.stdout
    status, receipt = last.split()
    assert status == "succeeded", ran.stdout
    assert receipt != "None"


def test_the_quickstart_runs_against_make_run(tmp_path: Path) -> None:
    """What the doc tells a newcomer: start ``make run``, export the printed key, run the block."""
    port, sim_port = _free_port(), _free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("MICROPAY_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "micropay.entrypoints.devserver", "--port", str(port), "--sim-port", str(sim_port)],
        cwd=tmp_path,
        env={**env, "MICROPAY_SIM_CALLBACK_DELAY_MS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = _read_instructions(server)
        key = re.search(r"secret\s+(sk_test_\w+)", printed)
        assert key is not None, printed
        ran = subprocess.run(
            [sys.executable, "-c", quickstart_code()],
            cwd=tmp_path,
            env={**env, "MICROPAY_API_KEY": key.group(1), "MICROPAY_BASE_URL": f"http://127.0.0.1:{port}"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            raise

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1].startswith("succeeded "), ran.stdout
