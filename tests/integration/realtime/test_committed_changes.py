"""What the feed hears, on SQLite (in-process, after commit) and Postgres (NOTIFY from the trigger of 0010):
exactly the committed intent changes, within a second, to the subscribers of that tenant and intent."""

from __future__ import annotations

import time

from micropay.adapters.persistence import Persistence
from micropay.adapters.realtime import ManagedChangeFeed
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import PaymentIntent
from tests.integration.persistence.builders import created_intent, new_id, new_tenant, processing_steps, seed_merchant


async def _add(persistence: Persistence, intent: PaymentIntent, *, commit: bool = True) -> None:
    async with persistence.uow_factory(intent_tenant(intent)) as uow:
        await uow.intents.add(intent)
        if commit:
            await uow.commit()


def intent_tenant(intent: PaymentIntent) -> Tenant:
    return Tenant(merchant_id=intent.merchant_id, environment=intent.environment)


async def test_an_insert_and_a_transition_are_heard_within_a_second(
    persistence: Persistence, feed: ManagedChangeFeed, tenant: Tenant
) -> None:
    intent = created_intent(tenant)
    async with feed.subscribe(tenant, intent_id=intent.id) as changes:
        started = time.monotonic()
        await _add(persistence, intent)
        assert await changes.next(within=1.0) is True
        assert time.monotonic() - started < 1.0

        started_attempt, _ = processing_steps(intent, attempt_id=new_id("pa"), checkout_request_id="ws_CO_x")
        async with persistence.uow_factory(tenant) as uow:
            await uow.intents.save(started_attempt)
            await uow.commit()
        assert await changes.next(within=1.0) is True


async def test_a_rolled_back_change_is_never_announced(
    persistence: Persistence, feed: ManagedChangeFeed, tenant: Tenant
) -> None:
    intent = created_intent(tenant)
    async with feed.subscribe(tenant) as changes:
        await _add(persistence, intent, commit=False)
        assert await changes.next(within=0.5) is False


async def test_reconciliation_bookkeeping_is_not_a_change(
    persistence: Persistence, feed: ManagedChangeFeed, tenant: Tenant
) -> None:
    intent = created_intent(tenant)
    async with feed.subscribe(tenant, intent_id=intent.id) as changes:
        await _add(persistence, intent)
        assert await changes.next(within=1.0) is True  # the insert's own notification, consumed
        async with persistence.uow_factory(tenant) as uow:
            await uow.intents.mark_reconciled(intent.id, 1_767_225_700)
            await uow.commit()
        assert await changes.next(within=0.5) is False


async def test_other_tenants_and_other_intents_are_not_woken(
    persistence: Persistence, feed: ManagedChangeFeed, tenant: Tenant
) -> None:
    other = new_tenant()
    await seed_merchant(persistence.uow_factory, other)
    mine = created_intent(tenant)
    async with feed.subscribe(other) as theirs, feed.subscribe(tenant, intent_id=mine.id) as for_mine:
        await _add(persistence, created_intent(tenant))  # another intent of mine
        await _add(persistence, mine)
        assert await for_mine.next(within=1.0) is True
        assert await for_mine.next(within=0.3) is False  # one signal for the one matching change
        assert await theirs.next(within=0.1) is False
