"""The SDK's payment-intent calls against the real API and simulator (contract §3)."""

from __future__ import annotations

import time

import pytest
from micropay_sdk import Micropay, PaymentIntent

from tests.e2e.client import Merchant
from tests.e2e.harness import Stack

SUCCESS_PHONE = "0708374149"
NO_CALLBACK_PHONE = "254711000099"


def settled(client: Micropay, intent_id: str, timeout: float = 10.0) -> PaymentIntent:
    """Retrieve until the intent leaves ``processing`` (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        intent = client.payment_intents.retrieve(intent_id)
        if intent.status != "processing" or time.monotonic() > deadline:
            return intent
        time.sleep(0.05)


def test_create_confirm_and_the_callback_take_a_payment_to_succeeded(client: Micropay) -> None:
    created = client.payment_intents.create(
        amount=150000, currency="kes", description="Order 1001", metadata={"order_id": "1001"}
    )
    assert created.status == "requires_payment_method"
    assert created.client_secret is not None
    assert created.client_secret.startswith(f"{created.id}_secret_")

    confirmed = client.payment_intents.confirm(created.id, phone_number=SUCCESS_PHONE)
    assert confirmed.status == "processing"
    assert confirmed.next_action is not None
    assert confirmed.next_action.type == "mpesa_stk_prompt"
    assert confirmed.mpesa is not None
    assert confirmed.mpesa.checkout_request_id

    final = settled(client, created.id)
    assert final.status == "succeeded"
    assert final.mpesa is not None
    assert final.mpesa.receipt_number
    assert final.amount == 150000
    assert final.metadata == {"order_id": "1001"}
    assert final.client_secret is None
    attempts = client.payment_intents.attempts(created.id)
    assert [a.kind for a in attempts] == ["stk_push", "callback"]
    assert attempts.data[0].outcome == "accepted"


def test_create_with_confirm_in_one_call(client: Micropay) -> None:
    intent = client.payment_intents.create(amount=100, currency="kes", phone_number=SUCCESS_PHONE, confirm=True)

    assert intent.status == "processing"
    assert intent.phone_number == "254708374149"
    assert settled(client, intent.id).status == "succeeded"


def test_a_customer_side_failure_is_a_failed_intent_and_can_be_retried(client: Micropay) -> None:
    intent = client.payment_intents.create(amount=1000, currency="kes", phone_number="254711000001", confirm=True)

    failed = settled(client, intent.id)
    assert failed.status == "failed"
    assert failed.last_payment_error is not None
    assert failed.last_payment_error.code == "insufficient_funds"
    assert failed.last_payment_error.mpesa_result_code == "1"

    retried = client.payment_intents.confirm(intent.id, phone_number=SUCCESS_PHONE)
    assert retried.status == "processing"
    assert settled(client, intent.id).status == "succeeded"


def test_cancel(client: Micropay) -> None:
    intent = client.payment_intents.create(amount=1000, currency="kes")

    canceled = client.payment_intents.cancel(intent.id, cancellation_reason="duplicate")

    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "duplicate"
    assert canceled.canceled_at is not None
    assert client.payment_intents.retrieve(intent.id).status == "canceled"


def test_reconcile_settles_a_payment_whose_callback_was_lost(client: Micropay) -> None:
    intent = client.payment_intents.create(amount=1000, currency="kes", phone_number=NO_CALLBACK_PHONE, confirm=True)
    assert intent.status == "processing"

    # Until the simulated customer has paid, Daraja's query says "still processing": a no-op (200).
    deadline = time.monotonic() + 10
    reconciled = client.payment_intents.reconcile(intent.id)
    while reconciled.status == "processing" and time.monotonic() < deadline:
        time.sleep(0.1)
        reconciled = client.payment_intents.reconcile(intent.id)

    assert reconciled.status == "succeeded"
    kinds = [a.kind for a in client.payment_intents.attempts(intent.id).auto_paging_iter()]
    assert kinds[0] == "stk_push"
    assert set(kinds[1:]) == {"stk_query"}
    # A no-op once settled.
    assert client.payment_intents.reconcile(intent.id).status == "succeeded"


def test_list_auto_pagination_and_the_status_filter(client: Micropay) -> None:
    created = [client.payment_intents.create(amount=100 * (n + 1), currency="kes").id for n in range(12)]
    for intent_id in created[:3]:
        client.payment_intents.cancel(intent_id)

    first = client.payment_intents.list(limit=5)
    everything = [intent.id for intent in first.auto_paging_iter()]
    canceled = [intent.id for intent in client.payment_intents.list(limit=2, status="canceled").auto_paging_iter()]
    backwards = [i.id for i in client.payment_intents.list(limit=5, ending_before=created[0]).auto_paging_iter()]

    assert len(first.data) == 5
    assert first.has_more is True
    assert everything == list(reversed(created))
    assert canceled == list(reversed(created[:3]))
    assert backwards == created[1:]


def test_a_publishable_key_retrieves_and_confirms_with_the_client_secret(
    client: Micropay, stack: Stack, merchant: Merchant
) -> None:
    created = client.payment_intents.create(amount=1000, currency="kes", metadata={"private": "yes"})
    assert created.client_secret is not None

    with Micropay(merchant.pk_test, stack.api_url) as browser_side:
        seen = browser_side.payment_intents.retrieve(created.id, client_secret=created.client_secret)
        confirmed = browser_side.payment_intents.confirm(
            created.id, phone_number=SUCCESS_PHONE, client_secret=created.client_secret
        )

    assert seen.status == "requires_payment_method"
    assert seen.metadata == {}  # omitted for publishable keys
    assert confirmed.status == "processing"
    assert settled(client, created.id).status == "succeeded"


@pytest.mark.parametrize("amount", [100, 25_000_000])
def test_amount_bounds_are_accepted(client: Micropay, amount: int) -> None:
    assert client.payment_intents.create(amount=amount, currency="kes").amount == amount
