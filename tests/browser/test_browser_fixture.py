"""The browser fixture itself: Chromium starts, renders, and console errors are collected."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_renders_a_page_and_finds_controls_by_role(page: Page, page_errors: list[str]) -> None:
    page.set_content("<label for=p>Phone number</label><input id=p><button>Pay</button>")
    page.get_by_label("Phone number").fill("0708374149")
    assert page.get_by_label("Phone number").input_value() == "0708374149"
    assert page.get_by_role("button", name="Pay").is_visible()
    assert page_errors == []


def test_collects_uncaught_page_errors(page: Page, page_errors: list[str]) -> None:
    page.set_content("<script>throw new Error('boom')</script>")
    page.wait_for_timeout(100)
    assert any("boom" in error for error in page_errors)
