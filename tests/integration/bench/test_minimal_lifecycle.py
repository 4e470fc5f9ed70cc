"""The benchmark's minimal-lifecycle ceiling writes what a lifecycle must write, under row-level security.

Not the benchmark itself: one minimal lifecycle against the migrated schema, then the rows are checked (the
intent succeeded, its three events in order, push and callback rows, and one delivery row per event when an
endpoint is given), so the ceiling cannot quietly skip work the API has to do.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from types import ModuleType

import asyncpg
import pytest

from micropay.adapters.persistence import build_persistence, create_engine
from tests import pg
from tests.integration.persistence.builders import new_id, new_tenant, seed_merchant

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture
def minimal(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))  # the bench scripts import their siblings by plain name
    for name in ("_minimal_sql", "_raw_sql", "_load"):
        sys.modules.pop(name, None)
    return importlib.import_module("_minimal_sql")


@pytest.mark.postgres
@pytest.mark.parametrize("with_endpoint", [False, True], ids=["no-endpoint", "one-endpoint"])
async def test_one_minimal_lifecycle_writes_the_intent_its_events_and_deliveries(
    postgres_url: str, minimal: ModuleType, with_endpoint: bool
) -> None:
    tenant = new_tenant()
    engine = create_engine(postgres_url)
    try:
        await seed_merchant(build_persistence(engine).uow_factory, tenant)
    finally:
        await engine.dispose()
    admin = await asyncpg.connect(pg._dsn(postgres_url))
    endpoint = None
    try:
        if with_endpoint:
            endpoint = new_id("we")
            await admin.execute(
                "INSERT INTO micropay_webhook_endpoints (id, merchant_id, environment, url, enabled_events, status,"
                " secrets, created) VALUES ($1, $2, $3, 'https://example.com/hook', '[\"*\"]', 'enabled', '[]', 1)",
                endpoint,
                tenant.merchant_id,
                tenant.environment.value,
            )
        pool = await sys.modules["_raw_sql"].open_pool(pg._dsn(postgres_url), 2)
        try:
            samples = importlib.import_module("_load").Samples()
            lifecycle = minimal.MinimalLifecycle(pool, tenant.merchant_id, endpoint)
            await lifecycle.run(samples, time.perf_counter() + 60)
        finally:
            await pool.close()

        assert dict(samples.errors) == {}
        assert samples.lifecycles == 1
        merchant = tenant.merchant_id
        intent = await admin.fetchrow("SELECT * FROM micropay_payment_intents WHERE merchant_id = $1", merchant)
        assert intent["status"] == "succeeded"
        assert intent["version"] == 3
        assert intent["mpesa_receipt_number"] == "MIN0000001"
        events = await admin.fetch(
            "SELECT id, type, pending_webhooks FROM micropay_events WHERE merchant_id = $1 ORDER BY seq", merchant
        )
        assert [row["type"] for row in events] == [
            "payment_intent.created",
            "payment_intent.processing",
            "payment_intent.succeeded",
        ]
        kinds = await admin.fetch(
            "SELECT kind, outcome FROM micropay_provider_attempts WHERE merchant_id = $1 ORDER BY kind", merchant
        )
        assert [(row["kind"], row["outcome"]) for row in kinds] == [("callback", "applied"), ("stk_push", "accepted")]
        deliveries = await admin.fetch(
            "SELECT event_id, endpoint_id, status FROM micropay_webhook_deliveries WHERE merchant_id = $1", merchant
        )
        if endpoint is None:
            assert deliveries == []
            assert {row["pending_webhooks"] for row in events} == {0}
        else:
            assert sorted(row["event_id"] for row in deliveries) == sorted(row["id"] for row in events)
            assert {(row["endpoint_id"], row["status"]) for row in deliveries} == {(endpoint, "pending")}
            assert {row["pending_webhooks"] for row in events} == {1}
    finally:
        await admin.close()


@pytest.mark.postgres
async def test_a_lost_version_check_writes_no_event(postgres_url: str, minimal: ModuleType) -> None:
    """The claim is version-checked: run against an intent already claimed, it writes nothing and fails."""
    tenant = new_tenant()
    engine = create_engine(postgres_url)
    try:
        await seed_merchant(build_persistence(engine).uow_factory, tenant)
    finally:
        await engine.dispose()
    pool = await sys.modules["_raw_sql"].open_pool(pg._dsn(postgres_url), 1)
    try:
        lifecycle = minimal.MinimalLifecycle(pool, tenant.merchant_id)
        state: dict[str, object] = {}
        await lifecycle._step_create(state)
        await lifecycle._step_claim(state)
        with pytest.raises(AssertionError, match="version check"):
            await lifecycle._step_claim(state)  # the intent is at version 2 now
    finally:
        await pool.close()
    admin = await asyncpg.connect(pg._dsn(postgres_url))
    try:
        count = await admin.fetchval("SELECT count(*) FROM micropay_events WHERE merchant_id = $1", tenant.merchant_id)
    finally:
        await admin.close()
    assert count == 2
