"""``UnitOfWork.savepoint()`` on both backends: a failure inside it undoes only what it wrote, and what it
wrote is not announced after commit (the callback's raw row survives a failed apply this way)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import Persistence
from micropay.adapters.persistence.unit_of_work import SqlaUnitOfWork, SqlaUnitOfWorkFactory
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import PaymentIntent
from micropay.ports.change_feed import Change
from micropay.ports.errors import StorageUnavailable
from micropay.ports.intent_repository import IntentPageQuery
from tests.integration.persistence.builders import NOW, created_event, created_intent, new_id

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def test_a_failed_savepoint_keeps_what_came_before_it_and_drops_what_it_wrote(
    engine: AsyncEngine, persistence: Persistence, tenant: Tenant
) -> None:
    announced: list[Sequence[Change]] = []
    factory = SqlaUnitOfWorkFactory(engine, after_commit=announced.append)
    kept = created_intent(tenant)
    callback = ProviderAttempt.callback(
        attempt_id=new_id("pa"), intent_id=kept.id, tenant=tenant, push_id=new_id("pa"), body={"raw": 1}, now=NOW
    )
    dropped = created_intent(tenant)
    async with factory(tenant) as uow:
        await uow.intents.add(kept)
        await uow.events.add(created_event(kept))
        await uow.attempts.add(callback)
        with pytest.raises(StorageUnavailable):
            await _fail_inside_a_savepoint(uow, dropped)
        async with uow.savepoint():  # a later savepoint in the same transaction still works
            await uow.attempts.update(
                ProviderAttempt.callback(
                    attempt_id=callback.id,
                    intent_id=kept.id,
                    tenant=tenant,
                    push_id=callback.push_id,
                    body={"raw": 1},
                    now=NOW + 1,
                )
            )
        await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        assert [i.id for i in (await uow.intents.list_page(IntentPageQuery())).data] == [kept.id]
        assert await uow.intents.get(dropped.id) is None
        stored = await uow.attempts.get(callback.id)
        assert stored is not None
        assert stored.request == {"raw": 1}
    assert [[change.intent_id for change in batch] for batch in announced] == [[kept.id, kept.id]]


async def test_a_savepoint_that_succeeds_commits_with_the_transaction(
    engine: AsyncEngine, persistence: Persistence, tenant: Tenant
) -> None:
    intent = created_intent(tenant)
    async with SqlaUnitOfWorkFactory(engine)(tenant) as uow:
        async with uow.savepoint():
            await uow.intents.add(intent)
            await uow.events.add(created_event(intent))
        await uow.commit()
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) == intent


async def _fail_inside_a_savepoint(uow: SqlaUnitOfWork, intent: PaymentIntent) -> None:
    async with uow.savepoint():
        await uow.intents.add(intent)
        await uow.events.add(created_event(intent))
        raise StorageUnavailable("the apply failed")
