"""``TenantDirectory.stuck_intents`` on SQLite and on Postgres (its SECURITY DEFINER function), and its migration.

Rows here are stamped with tiny ``updated`` times (seconds after the epoch) and the cutoffs stay below the
builders' ``NOW``, so the other tests' rows in the shared Postgres database never fall under a cutoff.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import msgspec
import pytest

from micropay.adapters.persistence import Persistence, downgrade, upgrade
from micropay.domain.model import state_machine
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.intent import PaymentIntent
from micropay.ports.tenant_directory import StuckIntent
from tests import pg
from tests.integration.persistence.builders import created_intent, new_id, new_tenant, seed_merchant


async def _store(persistence: Persistence, tenant: Tenant, *, updated: int, processing: bool = True) -> PaymentIntent:
    """An intent of ``tenant`` last changed at ``updated``: ``processing`` (a push started) or just created."""
    intent = created_intent(tenant)
    if processing:
        intent, _ = state_machine.start_attempt(intent, attempt_id=new_id("pa"), phone=None, now=updated)
    # the builders create intents at NOW; these tests need older times
    intent = msgspec.structs.replace(intent, updated=updated)
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.commit()
    return intent


def _stuck(intent: PaymentIntent) -> StuckIntent:
    tenant = Tenant(merchant_id=intent.merchant_id, environment=intent.environment)
    return StuckIntent(tenant=tenant, intent_id=intent.id)


async def test_lists_only_processing_intents_not_updated_since_the_cutoff_oldest_first_across_tenants(
    persistence: Persistence, tenant: Tenant
) -> None:
    other = new_tenant(Environment.PRODUCTION)
    await seed_merchant(persistence.uow_factory, other)
    newest = await _store(persistence, tenant, updated=2_030)
    oldest = await _store(persistence, other, updated=2_010)
    middle = await _store(persistence, tenant, updated=2_020)
    await _store(persistence, tenant, updated=2_041)  # after the cutoff
    await _store(persistence, other, updated=2_005, processing=False)  # not processing
    mine = {tenant, other}

    listed = await persistence.tenant_directory.stuck_intents(updated_before=2_040, limit=100)

    assert [item for item in listed if item.tenant in mine] == [_stuck(oldest), _stuck(middle), _stuck(newest)]


async def test_the_cutoff_is_inclusive_and_the_limit_keeps_the_oldest(persistence: Persistence, tenant: Tenant) -> None:
    # the only test that uses times below 100: nothing else in a shared database is this old
    first = await _store(persistence, tenant, updated=10)
    second = await _store(persistence, tenant, updated=20)
    await _store(persistence, tenant, updated=30)

    assert await persistence.tenant_directory.stuck_intents(updated_before=30, limit=2) == [
        _stuck(first),
        _stuck(second),
    ]
    assert await persistence.tenant_directory.stuck_intents(updated_before=10, limit=5) == [_stuck(first)]
    assert await persistence.tenant_directory.stuck_intents(updated_before=30, limit=0) == []
    assert await persistence.tenant_directory.stuck_intents(updated_before=9, limit=5) == []


@pytest.fixture
async def app_connection(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(pg._dsn(postgres_url))
    await connection.execute("SET ROLE micropay_app")
    yield connection
    await connection.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_on_postgres_the_app_role_lists_them_with_no_tenant_set_and_reads_nothing_else(
    persistence: Persistence, tenant: Tenant, app_connection: asyncpg.Connection
) -> None:
    intent = await _store(persistence, tenant, updated=3_000)

    rows = await app_connection.fetch("SELECT * FROM micropay_stuck_intents(3000, 1000)")
    assert (tenant.merchant_id, tenant.environment.value, intent.id) in [tuple(row) for row in rows]
    # no tenant set: the table itself reads as empty for the service's role
    assert await app_connection.fetchval("SELECT count(*) FROM micropay_payment_intents") == 0
    owner = await app_connection.fetchval(
        "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'micropay_stuck_intents' AND prosecdef"
    )
    assert owner == "micropay_directory"
    # the function's owner may read the five columns it needs, and nothing else of an intent
    await app_connection.execute("RESET ROLE")
    await app_connection.execute("SET ROLE micropay_directory")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_connection.fetch("SELECT secret_hash FROM micropay_payment_intents")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_connection.fetch("SELECT amount, phone_number FROM micropay_payment_intents")


async def _catalog(url: str) -> tuple[int, int, bool]:
    """(stuck-intents functions, the directory's column grants on intents, the status/updated index)."""
    connection = await asyncpg.connect(pg._dsn(url))
    try:
        functions = await connection.fetchval("SELECT count(*) FROM pg_proc WHERE proname = 'micropay_stuck_intents'")
        grants = await connection.fetchval(
            "SELECT count(*) FROM information_schema.column_privileges"
            " WHERE grantee = 'micropay_directory' AND table_name = 'micropay_payment_intents'"
        )
        index = await connection.fetchval(
            "SELECT count(*) = 1 FROM pg_indexes WHERE indexname = 'ix_micropay_payment_intents_status_updated'"
        )
    finally:
        await connection.close()
    return functions, grants, index


async def test_on_postgres_downgrading_0003_removes_the_function_its_grants_and_the_index(postgres_url: str) -> None:
    with pg.postgres_database() as url:
        downgrade(url, "0003")
        assert await _catalog(url) == (1, 5, True)
        downgrade(url, "0002")
        assert await _catalog(url) == (0, 0, False)
        upgrade(url, "0003")
        assert await _catalog(url) == (1, 5, True)
        upgrade(url)  # 0005 grants reconciled_at too and replaces the index (tests/…/test_reconciled_at.py)
        assert await _catalog(url) == (1, 6, False)
