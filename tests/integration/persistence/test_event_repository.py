"""Events on both backends: stored with their change, read back identically, listed, filtered, pruned."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import Persistence
from micropay.adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from micropay.domain.model import state_machine
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import Event, EventRequest, EventType, IntentEvent, event_of
from micropay.domain.model.intent import PaymentIntent
from micropay.ports.errors import ConcurrentUpdate
from micropay.ports.event_repository import EventPageQuery
from tests.integration.persistence.builders import (
    NOW,
    created_event,
    created_intent,
    new_id,
    new_tenant,
    seed_merchant,
    success,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
REQUEST = EventRequest(id="req_1", idempotency_key="order-1")


async def _write(
    persistence: Persistence, intent: PaymentIntent, changes: Sequence[IntentEvent], *, new: bool = False
) -> list[Event]:
    tenant = Tenant(merchant_id=intent.merchant_id, environment=intent.environment)
    events = [event_of(c, intent, event_id=new_id("evt"), request=REQUEST if new else None) for c in changes]
    async with persistence.uow_factory(tenant) as uow:
        await (uow.intents.add(intent) if new else uow.intents.save(intent))
        for event in events:
            await uow.events.add(event)
        await uow.commit()
    return events


async def _lifecycle(persistence: Persistence, tenant: Tenant) -> tuple[PaymentIntent, list[Event]]:
    """create -> processing (-> accepted, no event) -> succeeded: three events, oldest first."""
    intent = created_intent(tenant, intent_id=new_id("pi"))
    created = await _write(
        persistence, intent, [IntentEvent(type=EventType.CREATED, intent_id=intent.id, version=1, at=NOW)], new=True
    )
    attempt = new_id("pa")
    started, changes = state_machine.start_attempt(intent, attempt_id=attempt, phone=None, now=NOW + 1)
    processing = await _write(persistence, started, changes)
    accepted, none = state_machine.accept_attempt(
        started, attempt_id=attempt, checkout_request_id=new_id("ws_CO"), merchant_request_id="m", now=NOW + 2
    )
    assert none == []
    await _write(persistence, accepted, none)
    settled = state_machine.apply_result(accepted, attempt_id=attempt, result=success(accepted), now=NOW + 40)
    succeeded = await _write(persistence, settled.intent, settled.events)
    return settled.intent, [*created, *processing, *succeeded]


async def test_events_read_back_exactly_as_written(persistence: Persistence, tenant: Tenant) -> None:
    intent, written = await _lifecycle(persistence, tenant)
    assert [e.type for e in written] == [EventType.CREATED, EventType.PROCESSING, EventType.SUCCEEDED]
    async with persistence.uow_factory(tenant) as uow:
        assert [await uow.events.get(e.id) for e in written] == written
        page = await uow.events.for_intent(intent.id, limit=10)
        newest = await uow.events.list_page(EventPageQuery())
    assert page.data == written
    assert not page.has_more
    assert newest.data == list(reversed(written))
    assert written[0].request == REQUEST
    assert written[-1].data.object.status.value == "succeeded"
    assert written[-1].data.object.client_secret is None
    assert written[-1].data.object.metadata == intent.metadata


async def test_a_rolled_back_transaction_keeps_neither_the_change_nor_its_event(
    persistence: Persistence, tenant: Tenant
) -> None:
    intent = created_intent(tenant, intent_id=new_id("pi"))
    event = created_event(intent)
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.events.add(event)
        # no commit
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) is None
        assert await uow.events.get(event.id) is None


async def test_a_lost_race_on_the_intent_writes_no_event(persistence: Persistence, tenant: Tenant) -> None:
    intent = created_intent(tenant, intent_id=new_id("pi"))
    await _write(persistence, intent, [], new=True)
    canceled, changes = state_machine.cancel(intent, reason=None, now=NOW + 5)
    await _write(persistence, canceled, changes)
    stale_event = event_of(changes[0], canceled, event_id=new_id("evt"), request=None)

    async def write_again() -> None:
        async with persistence.uow_factory(tenant) as uow:
            await uow.intents.save(canceled)  # the same version again: someone else got there first
            await uow.events.add(stale_event)
            await uow.commit()

    with pytest.raises(ConcurrentUpdate):
        await write_again()
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.events.get(stale_event.id) is None
        assert len((await uow.events.for_intent(intent.id, limit=10)).data) == 1


async def test_other_tenants_see_none_of_them(persistence: Persistence, tenant: Tenant) -> None:
    intent, written = await _lifecycle(persistence, tenant)
    other = new_tenant()
    await seed_merchant(persistence.uow_factory, other)
    async with persistence.uow_factory(other) as uow:
        assert await uow.events.get(written[0].id) is None
        assert (await uow.events.list_page(EventPageQuery())).data == []
        assert (await uow.events.for_intent(intent.id, limit=10)).data == []
        # a cursor of another tenant's event matches nothing
        assert (await uow.events.list_page(EventPageQuery(starting_after=written[-1].id))).data == []


async def test_filters_and_cursors(persistence: Persistence, tenant: Tenant) -> None:
    _, first = await _lifecycle(persistence, tenant)
    _, second = await _lifecycle(persistence, tenant)
    everything = list(reversed([*first, *second]))

    async def ids(**query: object) -> tuple[list[str], bool]:
        async with persistence.uow_factory(tenant) as uow:
            page = await uow.events.list_page(EventPageQuery(**query))  # type: ignore[arg-type]
        return [e.id for e in page.data], page.has_more

    assert await ids(limit=2) == ([e.id for e in everything[:2]], True)
    assert await ids(starting_after=everything[1].id, limit=2) == ([e.id for e in everything[2:4]], True)
    assert await ids(ending_before=everything[2].id, limit=1) == ([everything[1].id], True)
    assert await ids(ending_before=everything[2].id, limit=5) == ([e.id for e in everything[:2]], False)
    succeeded = [e.id for e in everything if e.type is EventType.SUCCEEDED]
    assert await ids(types=("payment_intent.succeeded",)) == (succeeded, False)
    two = ("payment_intent.created", "payment_intent.succeeded")
    assert await ids(types=two) == ([e.id for e in everything if e.type.value in two], False)
    assert await ids(type_prefix="payment_intent.") == ([e.id for e in everything], False)
    assert await ids(type_prefix="payment_intent.p") == (
        [e.id for e in everything if e.type is EventType.PROCESSING],
        False,
    )
    # the prefix is literal: "_" is not a LIKE wildcard
    assert await ids(type_prefix="payment_intent_") == ([], False)
    assert await ids(created_gte=NOW + 1, created_lt=NOW + 40) == (
        [e.id for e in everything if e.type is EventType.PROCESSING],
        False,
    )
    assert await ids(created_gt=NOW + 1, created_lte=NOW + 40) == (succeeded, False)


async def test_after_commit_gets_the_committed_changes_only(engine: AsyncEngine, tenant: Tenant) -> None:
    seen: list[list[tuple[str | None, str | None]]] = []
    factory = SqlaUnitOfWorkFactory(
        engine, after_commit=lambda changes: seen.append([(c.intent_id, c.event_id) for c in changes])
    )
    intent = created_intent(tenant, intent_id=new_id("pi"))
    event = created_event(intent)
    async with factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.events.add(event)
        # rolled back: nothing published
    assert seen == []
    async with factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.events.add(event)
        await uow.commit()
    assert seen == [[(intent.id, None), (intent.id, event.id)]]  # the intent's new version, then its event
    async with factory(tenant) as uow:
        await uow.merchants.get()
        await uow.commit()  # a transaction without events publishes nothing
    assert seen == [[(intent.id, None), (intent.id, event.id)]]  # the intent's new version, then its event


async def test_pruning_deletes_only_events_older_than_the_cutoff_across_tenants(
    persistence: Persistence, tenant: Tenant
) -> None:
    _, mine = await _lifecycle(persistence, tenant)
    other = new_tenant()
    await seed_merchant(persistence.uow_factory, other)
    _, theirs = await _lifecycle(persistence, other)
    # events at NOW (created), NOW + 1 (processing), NOW + 40 (succeeded); other tests' rows may be older
    deleted = 0
    while removed := await persistence.event_pruner.prune(created_before=NOW + 1, limit=1):
        deleted += removed
    assert deleted >= 2
    assert await persistence.event_pruner.prune(created_before=NOW + 1, limit=10) == 0
    assert await persistence.event_pruner.prune(created_before=NOW + 100, limit=0) == 0
    for who, written in ((tenant, mine), (other, theirs)):
        async with persistence.uow_factory(who) as uow:
            kept = [await uow.events.get(e.id) for e in written]
        assert kept == [None, written[1], written[2]]
