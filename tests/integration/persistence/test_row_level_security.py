"""Postgres enforces tenant isolation itself: raw SQL as ``micropay_app`` sees and changes only its tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text

from micropay.adapters.persistence import build_persistence, create_engine
from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.credentials import CredentialsView, TransactionType
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.intent import PaymentIntent
from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.credential_vault import Sealed
from tests import pg
from tests.integration.persistence.builders import (
    NOW,
    created_event,
    created_intent,
    new_id,
    new_tenant,
    push_attempt,
    seed_merchant,
)

TENANT_TABLES = (
    "micropay_api_keys",
    "micropay_payment_intents",
    "micropay_provider_attempts",
    "micropay_provider_credentials",
    "micropay_idempotency_keys",
    "micropay_events",
)


async def _seed(url: str, tenant: Tenant) -> PaymentIntent:
    engine = create_engine(url)
    persistence = build_persistence(engine)
    try:
        await seed_merchant(persistence.uow_factory, tenant)
        intent = created_intent(tenant)
        async with persistence.uow_factory(tenant) as uow:
            await uow.intents.add(intent)
            await uow.attempts.add(push_attempt(intent, attempt_id=new_id("pa")))
            await uow.events.add(created_event(intent))
            await uow.api_keys.add(
                ApiKey(
                    id=new_id("key"),
                    merchant_id=tenant.merchant_id,
                    environment=tenant.environment,
                    type=KeyType.SECRET,
                    key_hash=new_id("hash"),
                    display_prefix="sk_test_AbCd",
                    created=NOW,
                )
            )
            await uow.credentials.put(
                StoredCredentials(
                    sealed=Sealed(encrypted_blob="YmxvYg==", iv="aXY=", key_id="k1"),
                    view=CredentialsView(
                        environment=tenant.environment,
                        business_short_code="174379",
                        transaction_type=TransactionType.PAYBILL,
                        party_b=None,
                        consumer_key_last4="abcd",
                        updated=NOW,
                    ),
                )
            )
            await uow.commit()
        await persistence.idempotency_store.claim(tenant, "key-1", "fp", NOW)
    finally:
        await engine.dispose()
    return intent


@pytest.fixture
async def app_connection(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A raw connection of the superuser from the URL, acting as ``micropay_app`` as the service does."""
    connection = await asyncpg.connect(pg._dsn(postgres_url))
    await connection.execute("SET ROLE micropay_app")
    yield connection
    await connection.close()


async def _as_tenant(connection: asyncpg.Connection, tenant: Tenant) -> None:
    await connection.execute(
        "SELECT set_config('micropay.merchant_id', $1, true), set_config('micropay.environment', $2, true)",
        tenant.merchant_id,
        tenant.environment.value,
    )


async def _as_tenant_execute(connection: asyncpg.Connection, tenant: Tenant, sql: str, *args: object) -> None:
    async with connection.transaction():
        await _as_tenant(connection, tenant)
        await connection.execute(sql, *args)


async def test_without_a_tenant_every_table_reads_empty(postgres_url: str, app_connection: asyncpg.Connection) -> None:
    await _seed(postgres_url, new_tenant())

    for table in (*TENANT_TABLES, "micropay_merchants"):
        assert await app_connection.fetchval(f"SELECT count(*) FROM {table}") == 0, table


async def test_a_tenant_reads_only_its_own_rows(postgres_url: str, app_connection: asyncpg.Connection) -> None:
    a, b = new_tenant(), new_tenant()
    await _seed(postgres_url, a)
    await _seed(postgres_url, b)

    async with app_connection.transaction():
        await _as_tenant(app_connection, a)
        for table in TENANT_TABLES:
            owners = await app_connection.fetch(f"SELECT DISTINCT merchant_id FROM {table}")
            assert [row["merchant_id"] for row in owners] == [a.merchant_id], table
        merchants = await app_connection.fetch("SELECT id FROM micropay_merchants")
        assert [row["id"] for row in merchants] == [a.merchant_id]


async def test_the_other_environment_of_the_same_merchant_is_another_tenant(
    postgres_url: str, app_connection: asyncpg.Connection
) -> None:
    sandbox = new_tenant()
    await _seed(postgres_url, sandbox)

    async with app_connection.transaction():
        await _as_tenant(app_connection, Tenant(merchant_id=sandbox.merchant_id, environment=Environment.PRODUCTION))
        assert await app_connection.fetchval("SELECT count(*) FROM micropay_payment_intents") == 0


async def test_a_tenant_cannot_change_another_tenants_rows(
    postgres_url: str, app_connection: asyncpg.Connection
) -> None:
    a, b = new_tenant(), new_tenant()
    await _seed(postgres_url, a)
    intent_b = await _seed(postgres_url, b)

    async with app_connection.transaction():
        await _as_tenant(app_connection, a)
        updated = await app_connection.execute(
            "UPDATE micropay_payment_intents SET amount = 1 WHERE id = $1", intent_b.id
        )
        deleted = await app_connection.execute(
            "DELETE FROM micropay_idempotency_keys WHERE merchant_id = $1", b.merchant_id
        )
        assert (updated, deleted) == ("UPDATE 0", "DELETE 0")
        # events are written once and never changed: the service's role may not delete them at all
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await app_connection.execute("DELETE FROM micropay_events")

    forged_insert = (
        "INSERT INTO micropay_idempotency_keys (merchant_id, environment, key, fingerprint, created_at)"
        " VALUES ($1, 'sandbox', 'forged', 'fp', 0)"
    )
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await _as_tenant_execute(app_connection, a, forged_insert, b.merchant_id)
    forged_event = (
        "INSERT INTO micropay_events (id, merchant_id, environment, intent_id, type, created, api_version, data,"
        " pending_webhooks) VALUES ('evt_forged', $1, 'sandbox', 'pi_x', 'payment_intent.created', 0, 'v', '{}', 0)"
    )
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await _as_tenant_execute(app_connection, a, forged_event, b.merchant_id)
    moved_away = "UPDATE micropay_payment_intents SET merchant_id = $1 WHERE merchant_id = $2"
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await _as_tenant_execute(app_connection, a, moved_away, b.merchant_id, a.merchant_id)

    async with app_connection.transaction():
        await _as_tenant(app_connection, b)
        assert (
            await app_connection.fetchval("SELECT amount FROM micropay_payment_intents WHERE id = $1", intent_b.id)
            == intent_b.amount
        )


async def test_the_app_role_has_no_privilege_beyond_its_grants(app_connection: asyncpg.Connection) -> None:
    role = await app_connection.fetchrow(
        "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'micropay_app'"
    )
    assert tuple(role) == (False, False, False)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_connection.fetch("SELECT * FROM micropay_unmatched_callbacks")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_connection.execute("DELETE FROM micropay_payment_intents")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_connection.execute("CREATE TABLE micropay_smuggled (id int)")


async def test_the_directory_functions_cross_tenants_only_by_hash(
    postgres_url: str, app_connection: asyncpg.Connection
) -> None:
    tenant = new_tenant()
    await _seed(postgres_url, tenant)

    owner = await app_connection.fetchval(
        "SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc WHERE proname LIKE 'micropay\\_%' AND prosecdef"
    )
    assert owner == "micropay_directory"
    assert await app_connection.fetch("SELECT * FROM micropay_route_callback('unknown')") == []
    # The functions' owner can read nothing else: not the credentials' sealed blobs, for one.
    await app_connection.execute("RESET ROLE")
    await app_connection.execute("SET ROLE micropay_directory")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_connection.fetch("SELECT encrypted_blob FROM micropay_provider_credentials")


async def test_the_engine_acts_as_micropay_app_even_with_a_superuser_url(postgres_url: str) -> None:
    tenant = new_tenant()
    await _seed(postgres_url, tenant)
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(text("SELECT current_user, session_user"))).one()
            assert tuple(row) == ("micropay_app", "postgres")
            assert (await connection.execute(text("SELECT count(*) FROM micropay_payment_intents"))).scalar_one() == 0
        async with build_persistence(engine).uow_factory(tenant) as uow:
            assert (await uow.merchants.get()) is not None
    finally:
        await engine.dispose()
