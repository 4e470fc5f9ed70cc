"""``IdempotencyStore.prune`` on SQLite and on Postgres (its SECURITY DEFINER function), and migration 0004.

Records here are claimed at tiny times (seconds after the epoch) and every cutoff stays below 1 000, so the
other tests' records (claimed around the builders' ``NOW``) in the shared Postgres database never fall under
a cutoff. Each test first drains what earlier tests left below that line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import Persistence, downgrade, upgrade
from micropay.adapters.persistence.rows import IDEMPOTENCY
from micropay.adapters.persistence.tenant_scope import set_tenant
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.idempotency import StoredResponse
from micropay.ports.idempotency_store import IdempotencyStore
from tests import pg
from tests.integration.persistence.builders import NOW, new_id, new_tenant, seed_merchant

LINE = 1_000.0


@pytest.fixture
async def store(persistence: Persistence) -> IdempotencyStore:
    store = persistence.idempotency_store
    while await store.prune(created_before=LINE, limit=1_000):
        pass
    return store


async def _claimed(store: IdempotencyStore, tenant: Tenant, created_at: float, *, done: bool = False) -> str:
    key = new_id("idem")
    assert await store.claim(tenant, key, "fp", created_at) is None
    if done:
        await store.complete(tenant, key, StoredResponse(status=201, body=b"{}"), claimed_at=created_at)
    return key


async def _keys(engine: AsyncEngine, tenant: Tenant) -> set[str]:
    """The keys stored for ``tenant`` (read with the tenant set, as the service reads them)."""
    columns = IDEMPOTENCY.c
    query = select(columns.key).where(
        columns.merchant_id == tenant.merchant_id, columns.environment == tenant.environment.value
    )
    async with engine.connect() as connection, connection.begin():
        await set_tenant(connection, tenant)
        return set((await connection.execute(query)).scalars())


async def test_only_records_older_than_the_cutoff_go_across_tenants(
    persistence: Persistence, engine: AsyncEngine, store: IdempotencyStore, tenant: Tenant
) -> None:
    other = new_tenant(Environment.PRODUCTION)
    await seed_merchant(persistence.uow_factory, other)
    old_mine = await _claimed(store, tenant, 10, done=True)
    old_other = await _claimed(store, other, 20)  # in flight, but long past its retention
    at_cutoff = await _claimed(store, tenant, 50, done=True)
    young = await _claimed(store, other, 60, done=True)
    current = await _claimed(store, tenant, NOW, done=True)

    assert await _keys(engine, tenant) == {old_mine, at_cutoff, current}
    assert await _keys(engine, other) == {old_other, young}

    assert await store.prune(created_before=50, limit=100) == 2

    assert await _keys(engine, tenant) == {at_cutoff, current}
    assert await _keys(engine, other) == {young}
    replay = await store.claim(tenant, current, "fp", NOW + 1)
    assert replay is not None
    assert replay.response is not None


async def test_the_limit_is_honoured_oldest_first(engine: AsyncEngine, store: IdempotencyStore, tenant: Tenant) -> None:
    at_30, at_10, at_40, at_20 = [await _claimed(store, tenant, created_at) for created_at in (30, 10, 40, 20)]
    assert await _keys(engine, tenant) == {at_30, at_10, at_40, at_20}

    assert await store.prune(created_before=100, limit=2) == 2
    assert await _keys(engine, tenant) == {at_30, at_40}
    assert await store.prune(created_before=100, limit=0) == 0
    assert await store.prune(created_before=100, limit=-1) == 0
    assert await store.prune(created_before=100, limit=5) == 2
    assert await store.prune(created_before=100, limit=5) == 0


@pytest.fixture
async def app_connection(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(pg._dsn(postgres_url))
    await connection.execute("SET ROLE micropay_app")
    yield connection
    await connection.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_on_postgres_the_app_role_prunes_with_no_tenant_set_and_nothing_more(
    engine: AsyncEngine, store: IdempotencyStore, tenant: Tenant, app_connection: asyncpg.Connection
) -> None:
    await _claimed(store, tenant, 10, done=True)
    younger = await _claimed(store, tenant, 20)

    # no tenant set: the table reads as empty for the service's role, and a plain DELETE removes nothing
    assert await app_connection.fetchval("SELECT count(*) FROM micropay_idempotency_keys") == 0
    assert await app_connection.execute("DELETE FROM micropay_idempotency_keys WHERE created_at < 100") == "DELETE 0"
    assert await app_connection.fetchval("SELECT micropay_prune_idempotency_keys(15, 100)") == 1
    assert await _keys(engine, tenant) == {younger}
    assert await store.prune(created_before=100, limit=100) == 1

    owner = await app_connection.fetchval(
        "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'micropay_prune_idempotency_keys' AND prosecdef"
    )
    assert owner == "micropay_directory"
    # the function's owner may not read a stored response, nor change a record
    await app_connection.execute("RESET ROLE")
    await app_connection.execute("SET ROLE micropay_directory")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_connection.fetch("SELECT response_body FROM micropay_idempotency_keys")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_connection.execute("UPDATE micropay_idempotency_keys SET created_at = 0")


async def _catalog(url: str) -> tuple[int, int, bool]:
    """(prune functions, the directory's privileges on the idempotency table, the created_at index)."""
    connection = await asyncpg.connect(pg._dsn(url))
    try:
        functions = await connection.fetchval(
            "SELECT count(*) FROM pg_proc WHERE proname = 'micropay_prune_idempotency_keys'"
        )
        grants = await connection.fetchval(
            "SELECT (SELECT count(*) FROM information_schema.column_privileges"
            "        WHERE grantee = 'micropay_directory' AND table_name = 'micropay_idempotency_keys'"
            "          AND privilege_type = 'SELECT')"
            " + (SELECT count(*) FROM information_schema.table_privileges"
            "    WHERE grantee = 'micropay_directory' AND table_name = 'micropay_idempotency_keys')"
        )
        index = await connection.fetchval(
            "SELECT count(*) = 1 FROM pg_indexes WHERE indexname = 'ix_micropay_idempotency_keys_created_at'"
        )
    finally:
        await connection.close()
    return functions, grants, index


async def test_on_postgres_downgrading_0004_removes_the_function_its_grants_and_the_index(postgres_url: str) -> None:
    with pg.postgres_database() as url:
        assert await _catalog(url) == (1, 5, True)  # SELECT on four columns, DELETE on the table
        downgrade(url, "0003")
        assert await _catalog(url) == (0, 0, False)
        upgrade(url)
        assert await _catalog(url) == (1, 5, True)
