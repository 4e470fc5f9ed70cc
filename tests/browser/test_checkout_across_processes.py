"""A browser watching an intent on API process A sees ``Paid`` within 1 s of process B handling the callback.

Two real ``micropay serve`` processes and the simulator on one Postgres database (``tests/e2e/realtime``):
Daraja's callbacks only ever reach B, while the customer's checkout page (headless Chromium) is served by
A and watches the intent through A's stream. Nothing but Postgres (LISTEN/NOTIFY) connects the two.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests import pg
from tests.e2e.realtime.processes import Cluster, cluster

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

SUCCESS_PHONE = "254708374149"
#: Records, in the page, the wall-clock time at which its headline first says "Paid".
RECORD_PAID_AT = """
window.__paidAt = null;
document.addEventListener("DOMContentLoaded", () => {
  const headline = document.getElementById("headline");
  new MutationObserver(() => {
    if (window.__paidAt === null && headline.textContent === "Paid") window.__paidAt = Date.now();
  }).observe(headline, { childList: true, characterData: true, subtree: true });
});
"""


@pytest.fixture(scope="module")
def processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    pg.require_postgres()
    with pg.postgres_database() as url, cluster(url, tmp_path_factory.mktemp("browser-cluster")) as running:
        running.start_simulator()
        running.api("a")
        running.api("b", receives_callbacks=True)
        yield running


def _wait_on(url: str, secret: str, intent_id: str, done: dict[str, Any]) -> None:
    """Long-poll B until the intent is terminal; note when B answered (B handled the callback)."""
    response = httpx.get(
        f"{url}/v1/payment_intents/{intent_id}/wait",
        params={"until": "terminal", "timeout": 30},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=40,
    )
    done["at"] = time.time()
    done["status"] = response.json()["status"]


def test_the_checkout_page_on_a_sees_paid_within_a_second_of_the_callback_on_b(
    processes: Cluster, page: Page, page_errors: list[str], artifacts_dir: Path
) -> None:
    a, b = processes.by_name("a"), processes.by_name("b")
    keys = processes.create_merchant()["keys"]["sandbox"]
    created = httpx.post(
        f"{a.url}/v1/payment_intents",
        headers={"Authorization": f"Bearer {keys['secret']}"},
        json={"amount": 150000, "currency": "kes", "description": "Order 1001"},
        timeout=15,
    )
    assert created.status_code == 201, created.text
    intent = created.json()
    page.add_init_script(RECORD_PAID_AT)
    query = urlencode(
        {"payment_intent": intent["id"], "client_secret": intent["client_secret"], "key": keys["publishable"]}
    )
    page.goto(f"{a.url}/examples/checkout?{query}")
    expect(page.get_by_role("heading", name="Pay KES 1,500 with M-Pesa")).to_be_visible()

    on_b: dict[str, Any] = {}
    waiter = threading.Thread(target=_wait_on, args=(b.url, keys["secret"], intent["id"], on_b))
    waiter.start()
    time.sleep(0.3)  # B's waiter is registered before the push goes out
    page.get_by_label("M-Pesa phone number").fill(SUCCESS_PHONE)
    page.get_by_role("button", name="Pay KES 1,500").click()

    expect(page.get_by_role("heading", name="Paid")).to_be_visible(timeout=20_000)
    waiter.join(timeout=40)
    paid_at = page.evaluate("window.__paidAt") / 1000
    page.screenshot(path=str(artifacts_dir / "checkout-across-processes.png"))

    assert on_b["status"] == "succeeded"
    assert paid_at - on_b["at"] < 1.0, f"the page on A showed Paid {paid_at - on_b['at']:.3f}s after B"
    assert page_errors == []
