"""A database that is down, missing or unmigrated surfaces as ``StorageUnavailable``, and recovery needs no restart."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from micropay.adapters.persistence import build_persistence, create_engine, ping
from micropay.domain.model.idempotency import StoredResponse
from micropay.ports.errors import StorageUnavailable
from tests import pg
from tests.integration.persistence.builders import NOW, new_tenant


async def _assert_every_entry_point_is_unavailable(url: str) -> None:
    engine = create_engine(url)
    persistence = build_persistence(engine)
    tenant = new_tenant()
    try:
        with pytest.raises(StorageUnavailable):
            await ping(engine)
        with pytest.raises(StorageUnavailable):
            async with persistence.uow_factory(tenant) as uow:
                await uow.intents.get("pi_x")
        with pytest.raises(StorageUnavailable):
            await persistence.tenant_directory.find_api_key("0" * 64)
        with pytest.raises(StorageUnavailable):
            await persistence.tenant_directory.record_unroutable_callback("AbC123", {}, NOW)
        with pytest.raises(StorageUnavailable):
            await persistence.idempotency_store.claim(tenant, "k", "fp", NOW)
        with pytest.raises(StorageUnavailable):
            await persistence.idempotency_store.complete(
                tenant, "k", StoredResponse(status=200, body=b""), claimed_at=NOW
            )
        with pytest.raises(StorageUnavailable):
            await persistence.idempotency_store.prune(created_before=NOW, limit=1)
    finally:
        await engine.dispose()


async def test_refused_connection_is_storage_unavailable() -> None:
    await _assert_every_entry_point_is_unavailable("postgresql+asyncpg://micropay@127.0.0.1:1/micropay")


async def test_missing_postgres_database_is_storage_unavailable(postgres_url: str) -> None:
    missing = make_url(postgres_url).set(database="micropay_no_such_database").render_as_string(hide_password=False)
    await _assert_every_entry_point_is_unavailable(missing)


async def test_unopenable_sqlite_file_is_storage_unavailable(tmp_path: Path) -> None:
    await _assert_every_entry_point_is_unavailable(pg.sqlite_url(tmp_path / "no" / "such" / "dir" / "micropay.db"))


async def test_unmigrated_sqlite_file_is_storage_unavailable(tmp_path: Path) -> None:
    engine = create_engine(pg.sqlite_url(tmp_path / "empty.db"))
    try:
        with pytest.raises(StorageUnavailable):
            async with build_persistence(engine).uow_factory(new_tenant()) as uow:
                await uow.intents.get("pi_x")
    finally:
        await engine.dispose()


async def test_the_pool_recovers_by_itself_after_its_connections_are_killed(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_size=2)
    persistence = build_persistence(engine)
    tenant = new_tenant()
    try:
        async with persistence.uow_factory(tenant) as uow:
            assert await uow.merchants.get() is None
        await _terminate_service_connections(postgres_url)

        failures = 0
        for _ in range(3):
            try:
                async with persistence.uow_factory(tenant) as uow:
                    assert await uow.merchants.get() is None
                break
            except StorageUnavailable:
                failures += 1
        else:
            pytest.fail("the engine did not recover after its connections were killed")
        assert failures <= 1
        await ping(engine)
    finally:
        await engine.dispose()


async def _terminate_service_connections(url: str) -> None:
    """What a database restart does to a pool: every server-side session disappears."""
    connection = await asyncpg.connect(pg._dsn(url))
    try:
        killed = await connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = 'micropay' AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    assert killed >= 1
