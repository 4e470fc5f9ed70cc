"""``make run`` prints a checkout link for a fresh intent; a customer pays through it in Chromium.

This is the newcomer's path with no Node.js: the dev server (what ``make run`` runs) serves the committed
build of the checkout example, and the link it prints carries the intent, its client secret and the
publishable key, as a merchant's server would render them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.realtime_routes import ExcusedConsole, missing_routes
from tests.devserver import running_devserver

pytestmark = pytest.mark.browser

CHECKOUT_LINK = re.compile(
    r"(http://127\.0\.0\.1:\d+/examples/checkout\?payment_intent=pi_\w+&client_secret=\S+&key=pk_test_\w+)"
)


def test_the_printed_checkout_link_takes_a_payment(page: Page, page_errors: list[str], tmp_path: Path) -> None:
    with running_devserver(tmp_path, callback_delay_ms=300) as server:
        port, printed = server.port, server.printed
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
