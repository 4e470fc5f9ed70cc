"""The benchmark's raw-SQL replica still runs against the current schema (one lifecycle, events included).

The benchmark itself is not run here; this only proves its statements are valid SQL for the migrated database
and that they write what the API writes (three events for create -> confirm -> callback).
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import time
from pathlib import Path
from types import ModuleType

import asyncpg
import pytest

from micropay.adapters.persistence import build_persistence, create_engine
from micropay.domain.model.api_keys import ApiKey, KeyType
from tests import pg
from tests.integration.persistence.builders import NOW, new_id, new_tenant, seed_merchant

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture
def raw_sql(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))  # the bench scripts import their siblings by plain name
    for name in ("_raw_sql", "_load"):
        sys.modules.pop(name, None)
    return importlib.import_module("_raw_sql")


@pytest.mark.postgres
async def test_one_raw_lifecycle_runs_and_writes_its_events(postgres_url: str, raw_sql: ModuleType) -> None:
    tenant = new_tenant()
    key_hash = hashlib.sha256(new_id("sk").encode()).hexdigest()
    engine = create_engine(postgres_url)
    try:
        persistence = build_persistence(engine)
        await seed_merchant(persistence.uow_factory, tenant)
        key = ApiKey(
            id=new_id("key"),
            merchant_id=tenant.merchant_id,
            environment=tenant.environment,
            type=KeyType.SECRET,
            key_hash=key_hash,
            display_prefix="sk_test_raw",
            created=NOW,
        )
        async with persistence.uow_factory(tenant) as uow:
            await uow.api_keys.add(key)
            await uow.commit()
    finally:
        await engine.dispose()

    pool = await raw_sql.open_pool(pg._dsn(postgres_url), 2)
    try:
        samples = importlib.import_module("_load").Samples()
        await raw_sql.RawLifecycle(pool, tenant.merchant_id, key_hash).run(samples, time.perf_counter() + 60)
    finally:
        await pool.close()

    assert dict(samples.errors) == {}
    assert samples.lifecycles == 1
    connection = await asyncpg.connect(pg._dsn(postgres_url))
    try:
        types = await connection.fetch(
            "SELECT type FROM micropay_events WHERE merchant_id = $1 ORDER BY seq", tenant.merchant_id
        )
    finally:
        await connection.close()
    assert [row["type"] for row in types] == [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.succeeded",
    ]
