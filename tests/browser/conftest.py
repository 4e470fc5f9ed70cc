"""Real-browser fixtures: Playwright driving Debian's headless Chromium (``/usr/bin/chromium``).

Playwright's own browser download is not reachable here, so the tests launch the system Chromium with
``executable_path``. Without it the browser tests are skipped locally with one line saying why; under
``CI=true`` they fail instead (``.ci/run`` installs ``chromium`` with apt). Every test gets a fresh
context (its own cookies and storage) and a page whose console errors and uncaught exceptions are
collected: ``page_errors`` lists them, and a test that expects none asserts it is empty.

Playwright's sync API keeps an event loop running on the main thread while it is open, which would break
every pytest-asyncio test after it: so it lives for this package only (``scope="package"``) and is closed
before the rest of the suite runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("MICROPAY_TEST_CHROMIUM", "/usr/bin/chromium")
#: Chromium's own background traffic is refused by this machine's closed network; these flags stop it.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: Screenshots of every view go here (CI keeps them as artifacts).
ARTIFACTS = Path(__file__).resolve().parents[2] / "dashboard" / "test-results"


def _chromium_missing() -> str | None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return None
    return f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"


@pytest.fixture(scope="package")
def playwright_session() -> Iterator[Playwright]:
    reason = _chromium_missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; the browser tests must run under CI.", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    launched = playwright_session.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    created = browser.new_context(viewport={"width": 1280, "height": 800})
    created.set_default_timeout(10_000)
    yield created
    created.close()


@pytest.fixture
def page_errors() -> list[str]:
    return []


@pytest.fixture
def page(context: BrowserContext, page_errors: list[str]) -> Page:
    opened = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            page_errors.append(f"console: {message.text}")

    opened.on("console", on_console)
    opened.on("pageerror", lambda exc: page_errors.append(f"pageerror: {exc}"))
    return opened


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
