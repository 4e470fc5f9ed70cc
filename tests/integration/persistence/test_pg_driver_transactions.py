"""The Postgres unit of work runs its transaction on the asyncpg driver (pg_driver.py): whatever way it ends,
its pooled connection goes back with no transaction open, and nothing uncommitted is ever seen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import build_persistence, create_engine
from micropay.adapters.persistence.unit_of_work import SqlaUnitOfWork, SqlaUnitOfWorkFactory
from micropay.domain.model.environment import Tenant
from tests.integration.persistence.builders import created_event, created_intent, new_tenant, seed_merchant

pytestmark = pytest.mark.postgres


@pytest.fixture
async def one_connection(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """A pool of exactly one connection: every unit of work gets the one the previous one gave back."""
    engine = create_engine(postgres_url, pool_size=1)
    yield engine
    await engine.dispose()


@pytest.fixture
async def tenant(one_connection: AsyncEngine) -> Tenant:
    tenant = new_tenant()
    await seed_merchant(build_persistence(one_connection).uow_factory, tenant)
    return tenant


def _in_transaction(uow: SqlaUnitOfWork) -> bool:
    assert uow._driver is not None
    return bool(uow._driver.raw.is_in_transaction())


async def test_leaving_without_commit_rolls_back_on_the_driver(one_connection: AsyncEngine, tenant: Tenant) -> None:
    factory = SqlaUnitOfWorkFactory(one_connection)
    intent = created_intent(tenant)
    async with factory(tenant) as uow:
        assert _in_transaction(uow)
        await uow.intents.add(intent)
        driver = uow._driver
    assert driver is not None
    assert not driver.raw.is_in_transaction()
    async with factory(tenant) as uow:
        assert uow._driver is not None
        assert uow._driver.raw is driver.raw  # the same pooled connection
        assert await uow.intents.get(intent.id) is None


async def test_a_failure_inside_rolls_back_and_the_connection_is_reused_clean(
    one_connection: AsyncEngine, tenant: Tenant
) -> None:
    factory = SqlaUnitOfWorkFactory(one_connection)
    intent = created_intent(tenant)
    with pytest.raises(RuntimeError, match="the use case failed"):
        await _write_then_fail(factory(tenant), intent)
    async with factory(tenant) as uow:
        assert await uow.intents.get(intent.id) is None
        await uow.intents.add(intent)
        await uow.events.add(created_event(intent))
        await uow.commit()
        assert not _in_transaction(uow)
    async with factory(tenant) as uow:
        assert await uow.intents.get(intent.id) == intent


async def test_a_cancelled_unit_of_work_leaves_no_transaction_behind(
    one_connection: AsyncEngine, tenant: Tenant
) -> None:
    factory = SqlaUnitOfWorkFactory(one_connection)
    intent = created_intent(tenant)
    started = asyncio.Event()

    async def slow() -> None:
        async with factory(tenant) as uow:
            await uow.intents.add(intent)
            assert uow._driver is not None
            started.set()
            await uow._driver.raw.execute("SELECT pg_sleep(30)")
            await uow.commit()

    task = asyncio.create_task(slow())
    await started.wait()
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with factory(tenant) as uow:  # the pool's connection (or a fresh one if it was invalidated)
        # Had the cancelled transaction stayed open on the pooled connection, this one would run inside it
        # and see its uncommitted intent.
        assert await uow.intents.get(intent.id) is None


async def _write_then_fail(uow: SqlaUnitOfWork, intent: object) -> None:
    async with uow:
        await uow.intents.add(intent)  # type: ignore[arg-type]
        raise RuntimeError("the use case failed")
