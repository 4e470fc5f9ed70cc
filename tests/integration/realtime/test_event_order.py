"""A tenant's events commit in ``seq`` order, so a reader resuming after any event misses none (see
``adapters/persistence/event_order.py``). On Postgres a second transaction's event waits for the first's
commit; another tenant never waits. On SQLite the single writer gives the same order."""

from __future__ import annotations

import asyncio

from micropay.adapters.persistence import Persistence
from micropay.domain.model.environment import Tenant
from micropay.ports.event_repository import EventPageQuery
from tests.integration.persistence.builders import created_event, created_intent, new_tenant, seed_merchant


async def test_an_event_written_later_never_commits_before_an_earlier_one(
    persistence: Persistence, tenant: Tenant, database_url: str
) -> None:
    first_intent, second_intent = created_intent(tenant), created_intent(tenant)
    first_event, second_event = created_event(first_intent), created_event(second_intent)

    async def second_transaction() -> None:
        async with persistence.uow_factory(tenant) as uow:
            await uow.intents.add(second_intent)
            await uow.events.add(second_event)
            await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(first_intent)
        await uow.events.add(first_event)  # draws its seq first...
        later = asyncio.create_task(second_transaction())
        await asyncio.sleep(0.3)
        assert not later.done()  # ...so the second waits (Postgres: the lock; SQLite: the writer lock)
        await uow.commit()
    await asyncio.wait_for(later, 5)

    async with persistence.uow_factory(tenant) as uow:
        page = await uow.events.list_page(EventPageQuery(limit=10))
    assert [e.id for e in reversed(page.data)] == [first_event.id, second_event.id]  # seq order = commit order


async def test_another_tenants_events_do_not_wait(persistence: Persistence, tenant: Tenant, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        return  # SQLite has one writer for the whole file: nothing to show there
    other = new_tenant()
    await seed_merchant(persistence.uow_factory, other)
    mine, theirs = created_intent(tenant), created_intent(other)
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(mine)
        await uow.events.add(created_event(mine))
        async with persistence.uow_factory(other) as their_uow:
            await their_uow.intents.add(theirs)
            await their_uow.events.add(created_event(theirs))
            await asyncio.wait_for(their_uow.commit(), 2)
        await uow.commit()
