"""Helpers for the dashboard's browser tests: axe-core checks, screenshots, and a stack to drive.

axe-core comes from the dashboard's npm dev dependencies (``dashboard/node_modules/axe-core``; ``make test``
runs ``npm ci`` first). It is evaluated through the DevTools protocol, which the page's CSP does not
govern, so the page under test keeps its real CSP and any violation still shows up as a console error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

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
