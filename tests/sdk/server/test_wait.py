"""``payment_intents.wait`` against the real API (contract §11): the long poll returns on the callback."""

from __future__ import annotations

import threading
import time

import httpx
from micropay_sdk import AsyncMicropay, Micropay

from tests.e2e.client import Merchant
from tests.e2e.harness import Stack, success_callback

AMOUNT = 2300
NO_CALLBACK_PHONE = "254711000099"


def _push(client: Micropay, stack: Stack) -> tuple[str, str, str]:
    """An intent in ``processing`` whose callback only the test sends: (intent id, checkout id, token)."""
    intent = client.payment_intents.create(amount=AMOUNT, currency="kes", phone_number=NO_CALLBACK_PHONE, confirm=True)
    assert intent.status == "processing"
    assert intent.mpesa is not None
    assert intent.mpesa.checkout_request_id is not None
    (push,) = [a for a in client.payment_intents.attempts(intent.id) if a.kind == "stk_push"]
    assert push.callback_token is not None
    return intent.id, intent.mpesa.checkout_request_id, stack.tokens.token_for_hint(push.callback_token)


def _callback_later(stack: Stack, checkout_id: str, token: str, delay: float) -> threading.Thread:
    def send() -> None:
        time.sleep(delay)
        body = success_callback(checkout_id, amount_shillings=AMOUNT / 100)
        answer = httpx.post(f"{stack.api_url}/webhooks/mpesa/{token}", content=body, timeout=10)
        assert answer.status_code == 200

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_wait_returns_when_the_callback_settles_the_payment(client: Micropay, stack: Stack) -> None:
    intent_id, checkout_id, token = _push(client, stack)
    started = time.monotonic()
    callback = _callback_later(stack, checkout_id, token, 0.5)

    intent = client.payment_intents.wait(intent_id, timeout=10)
    took = time.monotonic() - started
    callback.join()

    assert intent.status == "succeeded"
    assert intent.mpesa is not None
    assert intent.mpesa.receipt_number == "E2E0000001"
    assert 0.5 <= took < 3.0


def test_wait_times_out_with_the_intent_as_it_is(client: Micropay) -> None:
    intent = client.payment_intents.create(amount=1000, currency="kes")
    started = time.monotonic()

    waited = client.payment_intents.wait(intent.id, timeout=1)

    assert waited.status == "requires_payment_method"
    assert 0.9 <= time.monotonic() - started < 5


def test_until_change_returns_at_the_next_version(client: Micropay, stack: Stack) -> None:
    intent_id, checkout_id, token = _push(client, stack)
    seen = client.payment_intents.retrieve(intent_id)
    assert seen.version is not None
    callback = _callback_later(stack, checkout_id, token, 0.3)

    changed = client.payment_intents.wait(intent_id, until="change", version=seen.version, timeout=10)
    callback.join()

    assert changed.version is not None
    assert changed.version > seen.version
    assert changed.status == "succeeded"


def test_a_publishable_key_waits_with_the_client_secret(client: Micropay, stack: Stack, merchant: Merchant) -> None:
    created = client.payment_intents.create(amount=1000, currency="kes")
    assert created.client_secret is not None
    client.payment_intents.cancel(created.id)

    with Micropay(merchant.pk_test, stack.api_url) as browser_side:
        waited = browser_side.payment_intents.wait(created.id, client_secret=created.client_secret, timeout=5)

    assert waited.status == "canceled"
    assert waited.metadata == {}


async def test_the_async_client_waits_too(async_client: AsyncMicropay, stack: Stack) -> None:
    created = await async_client.payment_intents.create(amount=1000, currency="kes", phone_number="0708374149")
    confirmed = await async_client.payment_intents.confirm(created.id)
    assert confirmed.status == "processing"

    settled = await async_client.payment_intents.wait(created.id, timeout=10)

    assert settled.status == "succeeded"
