"""Errors by type and the idempotency key against the real API: replays, 422, retried 503s (§2, §3, §12)."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from micropay_sdk import (
    AsyncMicropay,
    AuthenticationError,
    IdempotencyError,
    InvalidRequestError,
    Micropay,
    PermissionDeniedError,
    ProviderError,
    RetryPolicy,
)

from tests.e2e.client import Merchant
from tests.e2e.harness import FAULT_PASSKEY, Stack
from tests.sdk.server.conftest import FAST_RETRIES, CountingClient


def test_invalid_parameters_name_the_field(client: Micropay) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        client.payment_intents.create(amount=150, currency="kes")

    error = caught.value
    assert (error.http_status, error.code, error.param) == (400, "amount_invalid", "amount")
    assert error.request_id is not None
    assert error.request_id.startswith("req_")


def test_an_invalid_phone_number(client: Micropay) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        client.payment_intents.create(amount=1000, currency="kes", phone_number="0799")

    assert (caught.value.code, caught.value.param) == ("phone_number_invalid", "phone_number")


def test_an_unknown_key_is_an_authentication_error(stack: Stack) -> None:
    with Micropay("sk_test_" + "x" * 32, stack.api_url) as stranger, pytest.raises(AuthenticationError) as caught:
        stranger.payment_intents.list()

    assert (caught.value.http_status, caught.value.code) == (401, "api_key_invalid")


def test_a_publishable_key_may_not_list(stack: Stack, merchant: Merchant) -> None:
    with Micropay(merchant.pk_test, stack.api_url) as browser_side, pytest.raises(PermissionDeniedError) as caught:
        browser_side.payment_intents.list()

    assert (caught.value.http_status, caught.value.code) == (403, "publishable_key_forbidden")


def test_another_merchants_intent_is_missing(client: Micropay, stack: Stack, other_merchant: Merchant) -> None:
    with Micropay(other_merchant.sk_test, stack.api_url) as other:
        theirs = other.payment_intents.create(amount=1000, currency="kes")

    with pytest.raises(InvalidRequestError) as caught:
        client.payment_intents.retrieve(theirs.id)

    assert (caught.value.http_status, caught.value.code) == (404, "resource_missing")


def test_a_state_conflict_is_not_retried(counted_client: CountingClient) -> None:
    sdk = counted_client.sdk
    intent = sdk.payment_intents.create(amount=1000, currency="kes")
    sdk.payment_intents.cancel(intent.id)

    with pytest.raises(InvalidRequestError) as caught:
        sdk.payment_intents.confirm(intent.id, phone_number="0708374149")

    assert (caught.value.http_status, caught.value.code) == (409, "intent_unexpected_state")
    confirms = [sent for sent in counted_client.sent if sent[1].endswith("/confirm")]
    assert len(confirms) == 1


def test_the_same_key_replays_the_first_answer_and_creates_nothing_new(client: Micropay) -> None:
    key = f"order-{uuid.uuid4()}"

    first = client.payment_intents.create(amount=1000, currency="kes", idempotency_key=key)
    again = client.payment_intents.create(amount=1000, currency="kes", idempotency_key=key)

    assert again == first
    assert again.client_secret == first.client_secret
    assert [i.id for i in client.payment_intents.list().auto_paging_iter()] == [first.id]


def test_the_same_key_with_other_parameters_is_an_idempotency_error(client: Micropay) -> None:
    key = f"order-{uuid.uuid4()}"
    client.payment_intents.create(amount=1000, currency="kes", idempotency_key=key)

    with pytest.raises(IdempotencyError) as caught:
        client.payment_intents.create(amount=2000, currency="kes", idempotency_key=key)

    assert (caught.value.http_status, caught.value.code) == (422, "idempotency_key_reused")


def _fault_credentials(stack: Stack, key: str) -> None:
    credentials = {
        "consumer_key": "fault-consumer-key",
        "consumer_secret": "fault-consumer-secret",
        "business_short_code": stack.fault_shortcode(),
        "passkey": FAULT_PASSKEY,
        "transaction_type": "CustomerPayBillOnline",
    }
    answer = httpx.put(
        f"{stack.api_url}/v1/mpesa_credentials", json=credentials, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.is_success, answer.text


def test_a_daraja_outage_is_retried_twice_with_one_key_and_leaves_the_intent_unchanged(
    stack: Stack, merchant: Merchant, counted_client: CountingClient
) -> None:
    _fault_credentials(stack, merchant.sk_test)
    sdk = counted_client.sdk
    intent = sdk.payment_intents.create(amount=1000, currency="kes", phone_number="254711000503")

    with pytest.raises(ProviderError) as caught:
        sdk.payment_intents.confirm(intent.id)

    assert (caught.value.http_status, caught.value.code) == (503, "provider_unavailable")
    assert caught.value.retry_after is not None
    confirms = [sent for sent in counted_client.sent if sent[1].endswith("/confirm")]
    assert len(confirms) == 3
    assert len({key for _, _, key in confirms}) == 1
    pushes = [a for a in sdk.payment_intents.attempts(intent.id) if a.kind == "stk_push"]
    assert [p.outcome for p in pushes] == ["not_sent"] * 3
    assert sdk.payment_intents.retrieve(intent.id).status == "requires_payment_method"


def test_a_failed_confirm_inside_create_carries_the_created_intent(
    stack: Stack, merchant: Merchant, client: Micropay
) -> None:
    _fault_credentials(stack, merchant.sk_test)

    with pytest.raises(ProviderError) as caught:
        client.payment_intents.create(amount=1000, currency="kes", phone_number="254711000503", confirm=True)

    created = caught.value.payment_intent
    assert created is not None
    assert created.status == "requires_payment_method"
    assert client.payment_intents.retrieve(created.id).id == created.id
    assert len(client.payment_intents.list(limit=100).data) == 1  # the retries did not create others


async def test_the_async_client_takes_a_payment_to_succeeded(async_client: AsyncMicropay) -> None:
    intent = await async_client.payment_intents.create(
        amount=1000, currency="kes", phone_number="0708374149", confirm=True
    )
    assert intent.status == "processing"

    for _ in range(200):
        intent = await async_client.payment_intents.retrieve(intent.id)
        if intent.status != "processing":
            break
        await asyncio.sleep(0.05)

    assert intent.status == "succeeded"
    listed = [i.id async for i in (await async_client.payment_intents.list(limit=1)).auto_paging_iter()]
    assert listed == [intent.id]
    with pytest.raises(InvalidRequestError):
        await async_client.payment_intents.cancel(intent.id)


async def test_async_errors_by_type(stack: Stack) -> None:
    async with AsyncMicropay("sk_test_" + "y" * 32, stack.api_url, retry=FAST_RETRIES) as stranger:
        with pytest.raises(AuthenticationError):
            await stranger.payment_intents.retrieve("pi_" + "0" * 24)


def test_a_retry_that_meets_its_first_try_still_in_flight_waits_and_gets_the_replay(
    stack: Stack, merchant: Merchant, client: Micropay
) -> None:
    # 254711000504: Daraja holds its answer past the API's read timeout, so the first confirm takes ~1 s.
    intent = client.payment_intents.create(amount=1000, currency="kes", phone_number="254711000504")
    key = f"confirm-{uuid.uuid4()}"
    second = CountingClient(stack, merchant.sk_test)
    # Real waits (0.5-1 s, then 1-2 s): long enough for the first try to finish.
    second.sdk = Micropay(
        merchant.sk_test, stack.api_url, retry=RetryPolicy(initial_delay=1.0), http_client=second._http
    )

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.payment_intents.confirm, intent.id, idempotency_key=key)
        time.sleep(0.3)  # the first request holds the key by now
        replayed = second.sdk.payment_intents.confirm(intent.id, idempotency_key=key)
        original = first.result(timeout=30)
    second.close()

    assert original.status == "processing"
    assert replayed == original
    assert len(second.sent) >= 2  # at least one 409 idempotency_key_in_use, then the replay
    assert len({sent_key for _, _, sent_key in second.sent}) == 1
    pushes = [a for a in client.payment_intents.attempts(intent.id) if a.kind == "stk_push"]
    assert len(pushes) == 1
