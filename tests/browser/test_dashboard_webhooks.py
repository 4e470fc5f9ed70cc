"""The dashboard's webhooks in a real browser: register a loopback endpoint, see its secret once, take a payment,
and see the signed deliveries with their request and response (see test_dashboard.py for the set-up)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import pg
from tests.browser.dashboard_support import assert_accessible, row, screenshot, send_test_payment, sign_up
from tests.e2e.harness import Stack, running_stack
from tests.integration.webhooks.receiver import running_receiver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    url = pg.migrated_sqlite_file(tmp_path_factory.mktemp("dashboard-webhooks") / "micropay.db")
    with running_stack(url, "sqlite", webhooks_allow_private=True, webhook_poll_interval=0.1) as running:
        yield running


@pytest.fixture
def dashboard(stack: Stack) -> str:
    return f"{stack.api_url}/dashboard"


def test_a_registered_webhook_endpoint_shows_its_delivery(
    page: Page, dashboard: str, page_errors: list[str], artifacts_dir: Path
) -> None:
    sign_up(page, dashboard)
    with running_receiver() as receiver:
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Developers").click()
        page.get_by_role("navigation", name="Developers").get_by_role("link", name="Webhooks").click()
        page.get_by_label("Endpoint URL").fill(f"{receiver.url}/hooks")
        page.get_by_label("Description").fill("Order system")
        page.get_by_role("button", name="Add endpoint").click()
        secret = page.get_by_test_id("secret-value")
        expect(secret).to_have_text(re.compile(r"^whsec_"))
        screenshot(page, artifacts_dir, "developers-webhooks")
        assert_accessible(page)

        send_test_payment(page, "254708374149", "100")
        deadline = time.monotonic() + 15
        while len(receiver.requests()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(receiver.requests()) >= 3  # created, processing, succeeded

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Developers").click()
    page.get_by_role("navigation", name="Developers").get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name=f"{receiver.url}/hooks").click()
    delivered = page.locator('[data-testid="delivery"][data-status="succeeded"]')
    expect(delivered).to_have_count(3)
    delivered.first.get_by_text("Request and response").click()
    expect(page.get_by_label(re.compile("^Request body, event evt_")).first).to_contain_text('"type"')
    expect(delivered.first).to_contain_text("HTTP 200")
    screenshot(page, artifacts_dir, "developers-webhook-detail")
    assert_accessible(page)

    page.get_by_role("navigation", name="Developers").get_by_role("link", name="Events").click()
    expect(page.get_by_role("link", name="payment_intent.succeeded")).to_be_visible()
    screenshot(page, artifacts_dir, "developers-events")
    assert_accessible(page)
    page.get_by_role("link", name="payment_intent.succeeded").click()
    expect(page.get_by_role("heading", name="Webhook deliveries")).to_be_visible()
    expect(page.locator('[data-testid="delivery"][data-status="succeeded"]')).to_have_count(1)
    screenshot(page, artifacts_dir, "developers-event-detail")
    assert_accessible(page)
    assert page_errors == []


def test_a_failed_payments_detail_shows_its_timeline_events_and_deliveries(
    page: Page, dashboard: str, page_errors: list[str], artifacts_dir: Path
) -> None:
    sign_up(page, dashboard)
    intent_id = send_test_payment(page, "254711000001", "250")
    expect(row(page, intent_id).get_by_text("Failed")).to_be_visible()
    row(page, intent_id).get_by_role("link", name=intent_id).click()
    expect(page.get_by_test_id("failure-reason")).to_contain_text("insufficient funds")
    expect(page.get_by_test_id("failure-reason")).to_contain_text("M-Pesa result 1")
    expect(page.get_by_text("STK push sent")).to_be_visible()
    expect(page.get_by_text("Callback from M-Pesa")).to_be_visible()
    expect(page.get_by_role("link", name="payment_intent.payment_failed")).to_be_visible()
    # A failed intent may be canceled, never reconciled.
    expect(page.get_by_role("button", name="Reconcile")).to_be_disabled()
    screenshot(page, artifacts_dir, "payment-detail")
    assert_accessible(page)
    page.get_by_role("button", name="Cancel payment").click()
    expect(page.get_by_role("heading", name=re.compile("Canceled"))).to_be_visible()
    assert page_errors == []
