"""Helpers for the dashboard's browser tests: axe-core checks, screenshots, and a stack to drive.

axe-core comes from the dashboard's npm dev dependencies (``dashboard/node_modules/axe-core``; ``make test``
runs ``npm ci`` first). It is evaluated through the DevTools protocol, which the page's CSP does not
govern, so the page under test keeps its real CSP and any violation still shows up as a console error.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "dashboard" / "node_modules" / "axe-core" / "axe.min.js"
#: axe-core's impact levels that fail a test.
BLOCKING = frozenset({"serious", "critical"})


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical WCAG 2 A/AA violations axe-core finds on the page as it is now."""
    if not AXE.is_file():
        reason = f"axe-core is not installed at {AXE} (cd dashboard && npm ci)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text() + "\n;undefined")
    results: dict[str, Any] = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
        })"""
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], violations


def screenshot(page: Page, artifacts_dir: Path, name: str) -> Path:
    path = artifacts_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


PASSWORD = "correct horse battery staple"
_emails = itertools.count(1)


def sign_up(page: Page, dashboard: str, business: str = "Duka Ltd") -> str:
    email = f"owner{next(_emails)}-{time.time_ns()}@example.com"
    page.goto(f"{dashboard}/signup")
    page.get_by_label("Business name").fill(business)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    return email


def send_test_payment(page: Page, phone: str, shillings: str = "1500") -> str:
    """Create a test payment from the Payments view; the new intent's id."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payments").click()
    page.get_by_label("Amount (KES)").fill(shillings)
    page.get_by_label("Test phone number").select_option(phone)
    page.get_by_role("button", name="Send test payment").click()
    sent = page.get_by_role("status").filter(has_text="Sent KES")
    expect(sent).to_be_visible()
    return sent.get_by_role("link").inner_text()


def row(page: Page, intent_id: str) -> Locator:
    return page.locator(f'[data-testid="payment-row"][data-intent="{intent_id}"]')


def no_reload_marker(page: Page) -> None:
    page.evaluate("() => { window.__sameDocument = true; }")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"
