"""The quickstart in docs/sdk-python.md, extracted from the doc and run as written against the real stack."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.devserver import clean_environment, running_devserver
from tests.e2e.client import Merchant
from tests.e2e.harness import Stack

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
    env = clean_environment() | {"MICROPAY_API_KEY": merchant.sk_test, "MICROPAY_BASE_URL": stack.api_url}

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
    with running_devserver(tmp_path, callback_delay_ms=200) as server:
        key = re.search(r"secret\s+(sk_test_\w+)", server.printed)
        assert key is not None, server.printed
        ran = subprocess.run(
            [sys.executable, "-c", quickstart_code()],
            cwd=tmp_path,
            env=clean_environment() | {"MICROPAY_API_KEY": key.group(1), "MICROPAY_BASE_URL": server.url},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1].startswith("succeeded "), ran.stdout
