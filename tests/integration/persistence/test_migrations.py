"""Migrations go up, down and up again on both backends, and the package ships them."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from sqlalchemy import inspect

from micropay.adapters.persistence import build_persistence, create_engine, downgrade, upgrade
from micropay.adapters.persistence.migrate import MIGRATIONS_DIR, VERSION_TABLE
from micropay.adapters.persistence.rows import MicropayBase
from tests import pg
from tests.integration.persistence.builders import new_tenant, seed_merchant

TABLES = {table.name for table in MicropayBase.metadata.sorted_tables}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def _works(url: str) -> None:
    engine = create_engine(url)
    try:
        persistence = build_persistence(engine)
        tenant = new_tenant()
        await seed_merchant(persistence.uow_factory, tenant)
        async with persistence.uow_factory(tenant) as uow:
            merchant = await uow.merchants.get()
        assert merchant is not None
        assert merchant.id == tenant.merchant_id
    finally:
        await engine.dispose()


async def _up_down_up(url: str) -> None:
    upgrade(url)
    assert await _tables(url) >= TABLES
    await _works(url)

    downgrade(url)
    assert not (TABLES & await _tables(url))

    upgrade(url)
    upgrade(url)  # idempotent at head
    await _works(url)


async def test_sqlite_up_down_up(tmp_path: Path) -> None:
    await _up_down_up(pg.sqlite_url(tmp_path / "micropay.db"))


async def test_postgres_up_down_up(postgres_url: str) -> None:
    with pg.postgres_database(migrate=False) as url:
        await _up_down_up(url)
        downgrade(url)
        connection = await asyncpg.connect(pg._dsn(url))
        try:
            functions = await connection.fetchval("SELECT count(*) FROM pg_proc WHERE proname LIKE 'micropay\\_%'")
            roles = await connection.fetchval("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'micropay\\_%'")
        finally:
            await connection.close()
        assert functions == 0
        assert roles == 2  # cluster-wide roles are kept: other databases may use them


def test_the_migrations_are_files_of_the_package() -> None:
    shipped = {path.name for path in (MIGRATIONS_DIR / "versions").glob("*.py")}
    assert {
        "0001_schema.py",
        "0002_row_level_security.py",
        "0003_stuck_intents.py",
        "0004_prune_idempotency_keys.py",
        "0005_reconciled_at.py",
    } <= shipped
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert VERSION_TABLE == "micropay_alembic_version"
