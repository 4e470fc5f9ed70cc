"""Events through the SDK against the real API (contract §8): one per change, typed, filtered, paged."""

from __future__ import annotations

import time
import uuid

import pytest
from micropay_sdk import InvalidRequestError, Micropay, PaymentIntent


def _settled(client: Micropay, intent_id: str) -> PaymentIntent:
    deadline = time.monotonic() + 10
    intent = client.payment_intents.retrieve(intent_id)
    while intent.status == "processing" and time.monotonic() < deadline:
        time.sleep(0.05)
        intent = client.payment_intents.retrieve(intent_id)
    return intent


def test_a_payment_leaves_its_events_in_order(client: Micropay) -> None:
    key = f"order-{uuid.uuid4()}"
    intent = client.payment_intents.create(
        amount=1000, currency="kes", phone_number="0708374149", confirm=True, idempotency_key=key
    )
    assert _settled(client, intent.id).status == "succeeded"

    events = list(client.payment_intents.events(intent.id).auto_paging_iter())

    assert [e.type for e in events] == [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.succeeded",
    ]
    assert [e.data.object.status for e in events] == ["requires_payment_method", "processing", "succeeded"]
    assert all(e.data.object.id == intent.id and e.data.object.client_secret is None for e in events)
    assert events[0].request is not None
    assert events[0].request.idempotency_key == key
    assert events[-1].request is None  # the callback caused it, not an API request
    assert events[-1].data.object.mpesa is not None
    assert events[-1].data.object.mpesa.receipt_number
    assert client.events.retrieve(events[-1].id) == events[-1]


def test_list_newest_first_with_filters_and_auto_pagination(client: Micropay) -> None:
    created = [client.payment_intents.create(amount=1000, currency="kes") for _ in range(4)]
    for intent in created[:2]:
        client.payment_intents.cancel(intent.id)

    everything = list(client.events.list(limit=2).auto_paging_iter())
    canceled = list(client.events.list(type="payment_intent.canceled").auto_paging_iter())
    by_prefix = client.events.list(type="payment_intent.*", limit=100)
    by_types = client.events.list(types=["payment_intent.canceled"], limit=100)
    first_created = everything[-1].created
    recent = list(client.events.list(created={"gte": first_created}).auto_paging_iter())

    assert len(everything) == 6
    assert [e.created for e in everything] == sorted((e.created for e in everything), reverse=True)
    assert len({e.id for e in everything}) == 6
    assert [e.data.object.id for e in canceled] == [created[1].id, created[0].id]
    assert len(by_prefix.data) == 6
    assert {e.type for e in by_types.data} == {"payment_intent.canceled"}
    assert len(recent) == 6


def test_an_unknown_event_is_missing(client: Micropay) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        client.events.retrieve("evt_" + "0" * 24)

    assert caught.value.http_status == 404
