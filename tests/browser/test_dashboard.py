"""The dashboard in a real browser (Debian's Chromium) against the real API and the Daraja simulator.

One stack for the module (SQLite); every test signs up
a merchant of its own in a fresh browser context. Each test also checks what a merchant would never see:
console errors (the CSP refusing something shows up there), serious or critical axe-core violations.
Screenshots of every view land in ``dashboard/test-results`` (kept by CI as artifacts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests import pg
from tests.browser.dashboard_support import (
    PASSWORD,
    assert_accessible,
    assert_same_document,
    no_reload_marker,
    row,
    screenshot,
    send_test_payment,
    sign_up,
)
from tests.e2e.harness import Stack, running_stack

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    url = pg.migrated_sqlite_file(tmp_path_factory.mktemp("dashboard-browser") / "micropay.db")
    with running_stack(url, "sqlite") as running:
        yield running


@pytest.fixture
def dashboard(stack: Stack) -> str:
    return f"{stack.api_url}/dashboard"


def test_sign_up_sign_out_sign_in_and_a_reload_keeps_the_session(
    page: Page, dashboard: str, page_errors: list[str], artifacts_dir: Path
) -> None:
    page.goto(f"{dashboard}/payments")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # signed out: sent to sign in
    screenshot(page, artifacts_dir, "sign-in")
    assert_accessible(page)
    page.get_by_role("link", name="Create an account").click()
    screenshot(page, artifacts_dir, "sign-up")
    assert_accessible(page)

    email = sign_up(page, dashboard)
    expect(page.get_by_text("Duka Ltd")).to_be_visible()
    assert "token" not in str(page.evaluate("() => JSON.stringify(localStorage)")).lower()

    page.reload()  # the access token was in memory only: the refresh cookie brings the session back
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # the cookie went with the session

    page.get_by_label("Email").fill(email.upper())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    assert page_errors == []


def test_a_test_payment_turns_succeeded_without_a_reload(
    page: Page, dashboard: str, page_errors: list[str], artifacts_dir: Path
) -> None:
    sign_up(page, dashboard)
    no_reload_marker(page)
    intent_id = send_test_payment(page, "254708374149")
    expect(row(page, intent_id)).to_be_visible()
    expect(row(page, intent_id).get_by_text("Succeeded")).to_be_visible()
    expect(row(page, intent_id)).to_contain_text("KES 1,500")
    assert_same_document(page)
    screenshot(page, artifacts_dir, "payments")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview").click()
    expect(page.get_by_test_id("volume")).to_have_text("KES 1,500")
    expect(page.get_by_test_id("success-rate")).to_have_text("100.0%")
    screenshot(page, artifacts_dir, "overview")
    assert_accessible(page)
    assert page_errors == []


def test_a_failure_number_shows_its_reason(
    page: Page, dashboard: str, page_errors: list[str], artifacts_dir: Path
) -> None:
    sign_up(page, dashboard)
    intent_id = send_test_payment(page, "254711000001", "250")
    expect(row(page, intent_id).get_by_text("Failed")).to_be_visible()
    expect(row(page, intent_id)).to_contain_text("insufficient funds")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview").click()
    expect(page.get_by_role("listitem").filter(has_text="insufficient funds")).to_contain_text("1")
    expect(page.get_by_test_id("success-rate")).to_have_text("0.0%")
    assert page_errors == []


def test_a_rolled_key_is_shown_once_and_the_one_before_it_is_refused(
    page: Page, dashboard: str, stack: Stack, page_errors: list[str], artifacts_dir: Path
) -> None:
    sign_up(page, dashboard)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Developers").click()
    expect(page.get_by_role("heading", name="API keys (Sandbox)")).to_be_visible()

    def roll() -> str:
        page.get_by_label("Key type").select_option("secret")
        page.get_by_label("Old key stops working").select_option("0")
        page.get_by_role("button", name="Roll key").click()
        shown = page.get_by_role("region", name="Your new secret key")
        expect(shown).to_be_visible()
        expect(shown.get_by_role("button", name="Copy")).to_be_visible()
        key = shown.get_by_test_id("secret-value").inner_text()
        assert re.fullmatch(r"sk_test_[0-9A-Za-z]{32}", key), key
        screenshot(page, artifacts_dir, "developers-api-keys")
        shown.get_by_role("button", name="I have saved it").click()
        expect(page.get_by_text(key)).to_have_count(0)  # shown once, then gone from the page
        return key

    first = roll()
    assert_accessible(page)
    with httpx.Client(base_url=stack.api_url, timeout=10) as api:
        assert api.get("/v1/payment_intents", headers={"Authorization": f"Bearer {first}"}).status_code == 200
        second = roll()
        refused = api.get("/v1/payment_intents", headers={"Authorization": f"Bearer {first}"})
        assert refused.status_code == 401
        assert refused.json()["error"]["type"] == "authentication_error"
        assert api.get("/v1/payment_intents", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    assert page_errors == []


def test_production_shows_no_sandbox_data_and_the_choice_is_remembered(
    page: Page, dashboard: str, page_errors: list[str], artifacts_dir: Path
) -> None:
    sign_up(page, dashboard)
    intent_id = send_test_payment(page, "254708374149", "100")
    expect(row(page, intent_id).get_by_text("Succeeded")).to_be_visible()
    no_reload_marker(page)

    switch = page.get_by_role("radio", name="Production")
    switch.check()
    expect(switch).to_be_checked()
    expect(page.get_by_test_id("environment-banner")).to_have_text("Production: live data and real money")
    expect(page.get_by_text("No payments yet.")).to_be_visible()
    expect(row(page, intent_id)).to_have_count(0)
    expect(page.get_by_role("heading", name="Create a test payment")).to_have_count(0)
    assert_same_document(page)
    screenshot(page, artifacts_dir, "payments-production")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview").click()
    expect(page.get_by_test_id("volume")).to_have_text("KES 0")
    page.reload()
    expect(page.get_by_role("radio", name="Production")).to_be_checked()
    page.get_by_role("radio", name="Sandbox").check()
    expect(page.get_by_test_id("volume")).to_have_text("KES 100")
    assert page_errors == []


def test_settings_credentials_and_a_phone_sized_screen(
    page: Page, dashboard: str, page_errors: list[str], artifacts_dir: Path
) -> None:
    missing_credentials: list[str] = []
    page.on(
        "response",
        lambda response: (
            missing_credentials.append(response.url)
            if response.status == 404 and response.url.endswith("/v1/mpesa_credentials")
            else None
        ),
    )
    sign_up(page, dashboard)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    expect(page.get_by_text("(this browser)")).to_be_visible()
    screenshot(page, artifacts_dir, "settings")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Developers").click()
    page.get_by_role("navigation", name="Developers").get_by_role("link", name="M-Pesa credentials").click()
    expect(page.get_by_text(re.compile("None set: sandbox payments use"))).to_be_visible()
    page.get_by_label("Consumer key", exact=True).fill("my-consumer-key-WXYZ")
    page.get_by_label("Consumer secret").fill("my-consumer-secret")
    page.get_by_label("Business shortcode").fill("174379")
    page.get_by_label("Passkey").fill("my-passkey")
    page.get_by_role("button", name="Save credentials").click()
    expect(page.get_by_text("••••WXYZ")).to_be_visible()
    expect(page.get_by_text("my-consumer-secret")).to_have_count(0)
    screenshot(page, artifacts_dir, "developers-credentials")
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 740})
    for view in ("", "/payments", "/developers/api-keys", "/settings"):
        page.goto(f"{dashboard}{view}")
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        expect(page.get_by_text(re.compile("^Loading"))).to_have_count(0)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{view or '/'} is {overflow}px wider than a phone"
    screenshot(page, artifacts_dir, "settings-phone")
    page.goto(f"{dashboard}/payments")
    expect(page.get_by_role("heading", name="Payments")).to_be_visible()
    screenshot(page, artifacts_dir, "payments-phone")
    assert_accessible(page)
    # The only failed load is the credentials lookup before any were set: the contract's 404.
    assert len(missing_credentials) == 1
    assert [e for e in page_errors if "status of 404" not in e] == []
    assert len(page_errors) <= 1
