"""Postgres enforces tenant isolation on the webhook tables; the dispatcher's claim function is the only
cross-tenant path, and it returns only tenants and ids."""

from __future__ import annotations

import asyncpg
import pytest

from micropay.adapters.persistence.delivery_queue import SqlaDeliveryQueue
from tests import pg
from tests.integration.webhooks.conftest import WebhookWorld

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
TABLES = ("micropay_webhook_endpoints", "micropay_webhook_deliveries", "micropay_webhook_attempts")


async def test_row_level_security_is_forced_on_every_webhook_table(world: WebhookWorld, database_url: str) -> None:
    connection = await asyncpg.connect(pg._dsn(database_url))
    try:
        rows = await connection.fetch(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1::text[])",
            list(TABLES),
        )
    finally:
        await connection.close()
    assert {(r["relname"], r["relrowsecurity"], r["relforcerowsecurity"]) for r in rows} == {
        (t, True, True) for t in TABLES
    }


async def test_the_app_role_sees_only_its_tenants_rows(world: WebhookWorld, database_url: str) -> None:
    await world.register("https://shop.example/hooks")
    await world.emit()
    connection = await asyncpg.connect(pg._dsn(database_url))
    try:
        await connection.execute("SET ROLE micropay_app")
        async with connection.transaction():
            for table in TABLES[:2]:
                assert await connection.fetchval(f"SELECT count(*) FROM {table}") == 0  # no tenant set
            await connection.execute("SELECT set_config('micropay.merchant_id', 'acct_someone_else', true)")
            await connection.execute("SELECT set_config('micropay.environment', 'sandbox', true)")
            for table in TABLES[:2]:
                assert await connection.fetchval(f"SELECT count(*) FROM {table}") == 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(
                    "INSERT INTO micropay_webhook_endpoints (id, merchant_id, environment, url, enabled_events,"
                    " status, secrets, created) VALUES ('we_x', $1, 'sandbox', 'https://x', '[]', 'enabled', '[]', 0)",
                    world.tenant.merchant_id,
                )
        async with connection.transaction():
            await connection.execute("SELECT set_config('micropay.merchant_id', $1, true)", world.tenant.merchant_id)
            await connection.execute("SELECT set_config('micropay.environment', 'sandbox', true)")
            assert await connection.fetchval("SELECT count(*) FROM micropay_webhook_deliveries") == 1
    finally:
        await connection.close()


async def test_the_claim_function_leases_across_tenants_and_returns_only_ids(world: WebhookWorld) -> None:
    await world.register("https://shop.example/hooks")
    await world.emit()
    now = int(world.clock.now())
    queue = SqlaDeliveryQueue(world.engine)
    [claim] = await queue.claim(now=now, lease_until=now + 30, limit=10, lease_token="t1")
    assert claim.tenant == world.tenant
    assert await queue.claim(now=now, lease_until=now + 30, limit=10, lease_token="t2") == []  # leased
    await queue.release([claim], until=now)
    [again] = await queue.claim(now=now, lease_until=now + 30, limit=10, lease_token="t3")
    assert again.delivery_id == claim.delivery_id
