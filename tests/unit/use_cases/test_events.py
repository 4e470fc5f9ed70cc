"""Every use case writes exactly one event per status change, in the change's transaction (on the fakes)."""

from __future__ import annotations

import contextlib

import msgspec
import pytest

from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model.events import EventRequest
from micropay.domain.model.public_intent import public_intent
from micropay.domain.model.push import PushAnswerLost, PushMisconfigured, PushNotSent, PushVerdict
from micropay.domain.use_cases.events import CreatedRange, GetEvent, ListEvents, ListIntentEvents
from micropay.domain.use_cases.prune_events import DAY_SECONDS, PruneEvents
from micropay.ports.daraja_gateway import (
    Exchange,
    ProviderConfigurationError,
    ProviderUnavailable,
)
from micropay.ports.errors import StorageUnavailable
from tests.fakes import Accept, FakeEventPruner, final, rejected
from tests.unit.use_cases.world import PRODUCTION, SANDBOX, World, callback_body

REQUEST = EventRequest(id="req_00000000000000000000000001", idempotency_key="order-1")
CREATED, PROCESSING, SUCCEEDED = "payment_intent.created", "payment_intent.processing", "payment_intent.succeeded"
FAILED, CANCELED = "payment_intent.payment_failed", "payment_intent.canceled"
MISMATCH = "payment_intent.amount_mismatch"
EXCHANGE = Exchange(response={"errorCode": "x"}, http_status=400)


async def test_create_writes_the_created_event(world: World) -> None:
    created = await world.new_intent(request=REQUEST)
    assert world.event_types() == [CREATED]
    [event] = world.events()
    assert event.id.startswith("evt_")
    assert event.request == REQUEST
    stored = world.intent(created.intent.id)
    assert event.data.object == public_intent(stored)
    assert event.data.object.client_secret is None
    assert (event.created, event.livemode, event.pending_webhooks) == (stored.created, False, 0)


async def test_an_accepted_confirm_writes_processing_once_with_the_claimed_intent(world: World) -> None:
    created = await world.new_intent(request=REQUEST)
    world.gateway.queue_push(Accept(checkout_request_id="ws_CO_1"))
    world.clock.advance(3)

    confirmed = await world.confirm(SANDBOX, created.intent.id, request=REQUEST)

    events = world.events(created.intent.id)
    assert [e.type.value for e in events] == [CREATED, PROCESSING]  # the acceptance keeps the status: no event
    assert [e.request for e in events] == [REQUEST, REQUEST]
    claimed = events[1].data.object
    assert (claimed.status.value, claimed.updated) == ("processing", int(world.clock.now()))
    assert claimed.mpesa is not None
    assert claimed.mpesa.checkout_request_id is None  # written at the claim, before Daraja answered
    assert confirmed.checkout_request_id == "ws_CO_1"


@pytest.mark.parametrize(
    ("verdict", "status"),
    [
        (
            msgspec.structs.replace(
                rejected("Invalid phone", error_code="invalid_phone_number", provider_code="400.002.02"),
                exchange=EXCHANGE,
            ),
            "failed",
        ),
        (PushNotSent(reason="down", exchange=EXCHANGE), "requires_payment_method"),
        (PushMisconfigured(reason="wrong credentials", exchange=EXCHANGE), "requires_payment_method"),
    ],
)
async def test_a_push_that_did_not_happen_writes_payment_failed(
    world: World, verdict: PushVerdict, status: str
) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(verdict)

    with contextlib.suppress(ProviderUnavailable, ProviderConfigurationError):  # 503 / 502: asserted elsewhere
        await world.confirm(SANDBOX, created.intent.id)

    events = world.events(created.intent.id)
    assert [e.type.value for e in events] == [CREATED, PROCESSING, FAILED]
    assert events[-1].data.object.status.value == status
    assert events[-1].data.object == public_intent(world.intent(created.intent.id))


async def test_a_lost_answer_keeps_processing_without_another_event(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(PushAnswerLost(reason="read timeout"))

    await world.confirm(SANDBOX, created.intent.id)

    assert world.event_types(created.intent.id) == [CREATED, PROCESSING]


async def test_callback_success_and_failure_events_have_no_request(world: World) -> None:
    paid = await world.new_intent()
    world.gateway.queue_push(Accept(checkout_request_id="ws_CO_paid"), Accept(checkout_request_id="ws_CO_no"))
    await world.confirm(SANDBOX, paid.intent.id, request=REQUEST)
    declined = await world.new_intent()
    await world.confirm(SANDBOX, declined.intent.id, request=REQUEST)

    await world.handle_callback(world.token(1), callback_body("ws_CO_paid", 0))
    await world.handle_callback(world.token(1), callback_body("ws_CO_paid", 0))  # a duplicate: no event
    await world.handle_callback(world.token(2), callback_body("ws_CO_no", 1032))

    assert world.event_types(paid.intent.id) == [CREATED, PROCESSING, SUCCEEDED]
    assert world.event_types(declined.intent.id) == [CREATED, PROCESSING, FAILED]
    for intent_id in (paid.intent.id, declined.intent.id):
        last = world.events(intent_id)[-1]
        assert last.request is None
        assert last.data.object == public_intent(world.intent(intent_id))


async def test_a_refused_amount_writes_amount_mismatch_and_changes_nothing(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(Accept(checkout_request_id="ws_CO_1"))
    await world.confirm(SANDBOX, created.intent.id)
    before = world.intent(created.intent.id)

    await world.handle_callback(world.token(), callback_body("ws_CO_1", 0, amount=1.0))

    assert world.intent(created.intent.id) == before
    assert world.event_types(created.intent.id) == [CREATED, PROCESSING, MISMATCH]
    assert world.events(created.intent.id)[-1].data.object == public_intent(before)


async def test_reconcile_and_cancel_write_their_events(world: World) -> None:
    settled = await world.new_intent()
    world.gateway.queue_push(Accept(checkout_request_id="ws_CO_q"))
    await world.confirm(SANDBOX, settled.intent.id)
    world.gateway.queue_query(final("ws_CO_q", "1037"))
    await world.reconcile(SANDBOX, settled.intent.id, request=REQUEST)
    await world.cancel(SANDBOX, settled.intent.id, request=REQUEST)

    events = world.events(settled.intent.id)
    assert [e.type.value for e in events] == [CREATED, PROCESSING, FAILED, CANCELED]
    assert [e.request for e in events[2:]] == [REQUEST, REQUEST]
    assert events[-1].data.object.status.value == "canceled"


async def test_the_loop_expiring_a_lost_answer_writes_payment_failed_without_request(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(PushAnswerLost(reason="read timeout"))
    await world.confirm(SANDBOX, created.intent.id)
    world.clock.advance(10_000)

    await world.reconcile(SANDBOX, created.intent.id)

    assert world.event_types(created.intent.id) == [CREATED, PROCESSING, FAILED]
    assert world.events(created.intent.id)[-1].request is None


async def test_a_failed_transaction_leaves_no_event(world: World) -> None:
    world.db.down = True
    with pytest.raises(StorageUnavailable):
        await world.new_intent()
    world.db.down = False
    assert world.events() == []
    assert world.db.intents == {}


async def test_reading_events_is_per_tenant_and_validated(world: World) -> None:
    mine = await world.new_intent()
    theirs = await world.new_intent(PRODUCTION)
    await world.cancel(SANDBOX, mine.intent.id)
    get, listing, of_intent = GetEvent(world.uow), ListEvents(world.uow), ListIntentEvents(world.uow)
    first, second = world.events(mine.intent.id)

    assert await get(SANDBOX, first.id) == first
    with pytest.raises(ResourceMissing):
        await get(PRODUCTION, first.id)
    with pytest.raises(ResourceMissing):
        await get(SANDBOX, "evt_x")
    assert (await listing(SANDBOX)).data == [second, first]
    assert (await listing(SANDBOX, type="payment_intent.*")).data == [second, first]
    assert (await listing(SANDBOX, types=[CANCELED])).data == [second]
    assert (await listing(SANDBOX, created=CreatedRange(lt=first.created))).data == []
    assert (await of_intent(SANDBOX, mine.intent.id)).data == [first, second]
    assert [e.data.object.id for e in (await listing(PRODUCTION)).data] == [theirs.intent.id]
    with pytest.raises(ResourceMissing):
        await of_intent(PRODUCTION, mine.intent.id)
    bad = [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"type": "charge.succeeded"}, "type"),
        ({"type": "payment_intent.*.x*"}, "type"),
        ({"types": ["nope"]}, "types"),
        ({"types": [CREATED] * 21}, "types"),
        ({"type": CREATED, "types": [CREATED]}, "types"),
        ({"starting_after": mine.intent.id}, "starting_after"),
        ({"starting_after": first.id, "ending_before": first.id}, "ending_before"),
    ]
    for arguments, param in bad:
        with pytest.raises(InvalidParameter) as raised:
            await listing(SANDBOX, **arguments)  # type: ignore[arg-type]
        assert raised.value.param == param, arguments


async def test_pruning_keeps_events_for_the_retention_and_deletes_older_ones(world: World) -> None:
    await world.new_intent()
    world.clock.advance(DAY_SECONDS)
    await world.new_intent(PRODUCTION)
    old, young = world.events()
    prune = PruneEvents(FakeEventPruner(world.db), world.clock)
    world.clock.advance(29 * DAY_SECONDS)  # the first is exactly 30 days old: kept (only older ones go)

    assert await prune() == 0
    world.clock.advance(1)
    assert await prune() == 1
    assert world.events() == [young]
    assert old.id not in {e.id for e in world.events()}
    assert await prune(retention_days=1) == 1
    assert world.events() == []
    with pytest.raises(ValueError, match="at least one day"):
        await prune(retention_days=0)


async def test_pruning_runs_in_bounded_batches(world: World) -> None:
    for _ in range(5):
        await world.new_intent()
    world.clock.advance(31 * DAY_SECONDS)
    prune = PruneEvents(FakeEventPruner(world.db), world.clock)

    assert await prune(batch_size=2, max_batches=2) == 4
    assert len(world.events()) == 1
    assert await prune(batch_size=2, max_batches=2) == 1
    assert await prune(batch_size=0) == 0
