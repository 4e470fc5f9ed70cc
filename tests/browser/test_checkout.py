"""The checkout example in headless Chromium: a customer pays through /examples/checkout (@micropay/js).

The API and the Daraja simulator run on loopback (``tests/e2e/harness.py``); the merchant's server side is
played by this test, which creates the intent with its secret key and opens the link a merchant would
render (``payment_intent``, ``client_secret``, ``key``). The page must show "Check your phone", then "Paid"
or the failure in plain words, under the strict CSP, without a single console error.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests import pg
from tests.browser.realtime_routes import ExcusedConsole, missing_routes
from tests.e2e.client import Merchant
from tests.e2e.harness import Stack, running_stack

pytestmark = pytest.mark.browser

#: Every text the page's headline shows, in order, recorded in the page (a state may last only ~100 ms).
RECORD_HEADLINES = """
window.__headlines = [];
document.addEventListener("DOMContentLoaded", () => {
  const headline = document.getElementById("headline");
  const record = () => {
    const text = headline.textContent;
    if (window.__headlines.at(-1) !== text) window.__headlines.push(text);
  };
  record();
  new MutationObserver(record).observe(headline, { childList: true, characterData: true, subtree: true });
});
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    url = pg.migrated_sqlite_file(tmp_path_factory.mktemp("checkout") / "micropay.db")
    with running_stack(url, "sqlite") as running:
        yield running


@pytest.fixture(scope="module")
def merchant(stack: Stack) -> Merchant:
    # Playwright's sync API keeps an event loop running in this thread: run the coroutine in another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return Merchant.of(pool.submit(asyncio.run, stack.create_merchant("Checkout Shop")).result(timeout=30))


def _new_intent(stack: Stack, merchant: Merchant, amount: int = 150000) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.api_url}/v1/payment_intents",
        headers={"Authorization": f"Bearer {merchant.sk_test}"},
        json={"amount": amount, "currency": "kes", "description": "Order 1001"},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture(scope="module")
def missing(stack: Stack, merchant: Merchant) -> frozenset[str]:
    return missing_routes(stack.api_url, merchant.sk_test, _new_intent(stack, merchant)["id"])


@pytest.fixture
def unexpected_errors(page: Page, page_errors: list[str], missing: frozenset[str]) -> Callable[[], list[str]]:
    """The page's console errors and uncaught exceptions, less 404s of realtime routes this server lacks."""
    console = ExcusedConsole(page, missing)
    return lambda: console.unexpected(page_errors)


def _open_checkout(page: Page, stack: Stack, merchant: Merchant, intent: dict[str, Any]) -> None:
    page.add_init_script(RECORD_HEADLINES)
    query = urlencode(
        {"payment_intent": intent["id"], "client_secret": intent["client_secret"], "key": merchant.pk_test}
    )
    response = page.goto(f"{stack.api_url}/examples/checkout?{query}")
    # The page runs under the strict policy: a blocked inline script or style would be a console error.
    assert response is not None
    assert "script-src 'self';" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Pay KES 1,500 with M-Pesa")).to_be_visible()


def _intent(stack: Stack, merchant: Merchant, intent_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{stack.api_url}/v1/payment_intents/{intent_id}", headers={"Authorization": f"Bearer {merchant.sk_test}"}
    )
    result: dict[str, Any] = response.json()
    return result


def _headlines(page: Page) -> list[str]:
    seen: list[str] = page.evaluate("window.__headlines")
    return seen


def test_a_customer_pays_and_sees_paid(
    page: Page, unexpected_errors: Callable[[], list[str]], stack: Stack, merchant: Merchant, artifacts_dir: Path
) -> None:
    intent = _new_intent(stack, merchant)
    _open_checkout(page, stack, merchant, intent)

    page.get_by_label("M-Pesa phone number").fill("0708374149")
    page.get_by_role("button", name="Pay KES 1,500").click()

    expect(page.get_by_role("heading", name="Paid")).to_be_visible()
    receipt = _intent(stack, merchant, intent["id"])["mpesa"]["receipt_number"]
    expect(page.get_by_role("status")).to_contain_text(f"M-Pesa receipt {receipt}")
    page.screenshot(path=str(artifacts_dir / "checkout-paid.png"))
    assert _headlines(page) == ["Loading your payment…", "Pay KES 1,500 with M-Pesa", "Check your phone", "Paid"]
    assert _intent(stack, merchant, intent["id"])["status"] == "succeeded"
    expect(page.get_by_label("M-Pesa phone number")).to_be_hidden()
    assert unexpected_errors() == []


def test_insufficient_funds_is_said_in_plain_words_and_can_be_retried(
    page: Page, unexpected_errors: Callable[[], list[str]], stack: Stack, merchant: Merchant, artifacts_dir: Path
) -> None:
    intent = _new_intent(stack, merchant)
    _open_checkout(page, stack, merchant, intent)

    page.get_by_label("M-Pesa phone number").fill("254711000001")
    page.get_by_role("button", name="Pay KES 1,500").click()

    expect(page.get_by_role("heading", name="Payment failed")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Insufficient funds: your M-Pesa balance is too low")
    page.screenshot(path=str(artifacts_dir / "checkout-insufficient-funds.png"))
    assert _headlines(page)[-2:] == ["Check your phone", "Payment failed"]
    assert _intent(stack, merchant, intent["id"])["last_payment_error"]["code"] == "insufficient_funds"

    # The same page retries with another number (a new attempt on the same intent) and is paid.
    page.get_by_label("M-Pesa phone number").fill("254708374149")
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("heading", name="Paid")).to_be_visible()
    assert _headlines(page)[-2:] == ["Check your phone", "Paid"]
    assert unexpected_errors() == []


@pytest.mark.parametrize(
    ("phone", "words"),
    [
        ("254711001032", "You cancelled the payment on your phone."),
        ("254711002001", "The M-Pesa PIN entered was wrong."),
    ],
)
def test_other_failures_are_said_in_plain_words(
    page: Page, unexpected_errors: Callable[[], list[str]], stack: Stack, merchant: Merchant, phone: str, words: str
) -> None:
    _open_checkout(page, stack, merchant, _new_intent(stack, merchant))
    page.get_by_label("M-Pesa phone number").fill(phone)
    page.get_by_role("button", name="Pay KES 1,500").click()
    expect(page.get_by_role("status")).to_contain_text(words)
    expect(page.get_by_role("button", name="Try again")).to_be_enabled()
    assert unexpected_errors() == []


def test_a_number_m_pesa_cannot_use_is_explained_next_to_the_form(page: Page, stack: Stack, merchant: Merchant) -> None:
    _open_checkout(page, stack, merchant, _new_intent(stack, merchant))
    page.get_by_label("M-Pesa phone number").fill("12345")
    page.get_by_role("button", name="Pay KES 1,500").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("not a phone number M-Pesa can use"))
    expect(page.get_by_role("button", name="Pay KES 1,500")).to_be_enabled()


def test_a_link_without_its_parameters_says_so(page: Page, page_errors: list[str], stack: Stack) -> None:
    page.goto(f"{stack.api_url}/examples/checkout?payment_intent=pi_x")
    expect(page.get_by_role("heading", name="This checkout link is incomplete")).to_be_visible()
    assert page_errors == []


def test_a_wrong_client_secret_shows_nothing_of_the_intent(page: Page, stack: Stack, merchant: Merchant) -> None:
    intent = _new_intent(stack, merchant)
    query = urlencode(
        {"payment_intent": intent["id"], "client_secret": f"{intent['id']}_secret_wrong", "key": merchant.pk_test}
    )
    page.goto(f"{stack.api_url}/examples/checkout?{query}")
    expect(page.get_by_role("heading", name="This payment cannot be shown")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("could not be found")
    expect(page.get_by_label("M-Pesa phone number")).to_be_hidden()
    expect(page.get_by_text("KES 1,500")).to_have_count(0)
