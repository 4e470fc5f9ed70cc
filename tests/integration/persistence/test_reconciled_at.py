"""``IntentRepository.mark_reconciled`` and how ``TenantDirectory.stuck_intents`` uses it, on both backends.

Rows here use ``updated`` times between 4 000 and 5 000 (far below the builders' ``NOW``) and every
assertion looks at this test's tenants only, so the other tests' rows in a shared database never interfere.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import msgspec
from sqlalchemy import inspect

from micropay.adapters.persistence import Persistence, create_engine, downgrade, upgrade
from micropay.domain.model import state_machine
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.intent import PaymentIntent
from tests import pg
from tests.integration.persistence.builders import created_intent, new_id, new_tenant, seed_merchant


async def _processing(persistence: Persistence, tenant: Tenant, *, updated: int) -> PaymentIntent:
    """A ``processing`` intent of ``tenant`` (a push started) last changed at ``updated``."""
    intent, _ = state_machine.start_attempt(created_intent(tenant), attempt_id=new_id("pa"), phone=None, now=updated)
    intent = msgspec.structs.replace(intent, updated=updated)
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.commit()
    return intent


async def _mark(persistence: Persistence, tenant: Tenant, intent_id: str, at: int) -> None:
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.mark_reconciled(intent_id, at)
        await uow.commit()


async def _stuck(persistence: Persistence, tenants: set[Tenant], cutoff: int) -> list[str]:
    listed = await persistence.tenant_directory.stuck_intents(updated_before=cutoff, limit=10_000)
    return [item.intent_id for item in listed if item.tenant in tenants]


async def test_an_asked_intent_is_listed_by_its_last_activity_and_not_before_the_cutoff_passes_it(
    persistence: Persistence, tenant: Tenant
) -> None:
    other = new_tenant(Environment.PRODUCTION)
    await seed_merchant(persistence.uow_factory, other)
    first = await _processing(persistence, tenant, updated=4_010)
    second = await _processing(persistence, other, updated=4_020)
    third = await _processing(persistence, tenant, updated=4_030)
    await _mark(persistence, tenant, first.id, 4_025)  # Daraja said "still processing" at 4 025
    mine = {tenant, other}

    # the oldest by `updated`, asked since: behind the one not asked, ahead of the younger one
    assert await _stuck(persistence, mine, 4_040) == [second.id, first.id, third.id]
    # neither updated nor asked since the cutoff: asked at 4 025 > 4 022, so not yet again
    assert await _stuck(persistence, mine, 4_022) == [second.id]
    assert await _stuck(persistence, mine, 4_025) == [second.id, first.id]  # inclusive


async def test_mark_reconciled_is_not_a_transition_and_a_later_save_forgets_it(
    persistence: Persistence, tenant: Tenant
) -> None:
    intent = await _processing(persistence, tenant, updated=4_100)

    await _mark(persistence, tenant, intent.id, 4_190)

    async with persistence.uow_factory(tenant) as uow:
        stored = await uow.intents.get(intent.id)
    assert stored == intent  # same version, same updated: the domain intent does not see the mark
    assert await _stuck(persistence, {tenant}, 4_150) == []
    # the next transition is saved from the same version, without a conflict
    assert intent.attempt_id is not None
    accepted, _ = state_machine.accept_attempt(
        intent, attempt_id=intent.attempt_id, checkout_request_id="ws_CO_4100", merchant_request_id="m-1", now=4_120
    )
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.save(accepted)
        await uow.commit()
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) == accepted
    # the transition is the newer fact: the intent is listed by its new `updated` again
    assert await _stuck(persistence, {tenant}, 4_150) == [intent.id]


async def test_another_tenant_cannot_mark_an_intent(persistence: Persistence, tenant: Tenant) -> None:
    other = new_tenant()
    await seed_merchant(persistence.uow_factory, other)
    intent = await _processing(persistence, tenant, updated=4_200)

    await _mark(persistence, other, intent.id, 4_900)
    await _mark(persistence, tenant, "pi_unknown", 4_900)  # unknown: a no-op

    assert await _stuck(persistence, {tenant}, 4_200) == [intent.id]


_LOOKUP_INDEXES = {"ix_micropay_payment_intents_stuck", "ix_micropay_payment_intents_status_updated"}
# (SQLAlchemy's reflection skips expression indexes on SQLite, so the catalogs are read directly)
_INDEX_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'micropay_payment_intents'",
    "postgresql": "SELECT indexname FROM pg_indexes WHERE tablename = 'micropay_payment_intents'",
}


async def _schema(url: str) -> tuple[bool, set[str]]:
    """(intents have a reconciled_at column, the names of the intents' stuck-lookup indexes)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {column["name"] for column in inspect(sync).get_columns("micropay_payment_intents")}
            )
            names = await connection.exec_driver_sql(_INDEX_NAMES[engine.dialect.name])
            indexes = {str(name) for name in names.scalars()}
    finally:
        await engine.dispose()
    return "reconciled_at" in columns, indexes & _LOOKUP_INDEXES


async def _down_to_0004_and_up(url: str) -> None:
    assert await _schema(url) == (True, {"ix_micropay_payment_intents_stuck"})
    downgrade(url, "0004")
    assert await _schema(url) == (False, {"ix_micropay_payment_intents_status_updated"})
    upgrade(url)
    assert await _schema(url) == (True, {"ix_micropay_payment_intents_stuck"})


async def test_on_sqlite_0005_adds_the_column_and_swaps_the_index_and_its_downgrade_undoes_it(
    tmp_path: Path,
) -> None:
    url = pg.sqlite_url(tmp_path / "micropay.db")
    upgrade(url)
    await _down_to_0004_and_up(url)


async def test_on_postgres_0005_adds_the_column_and_swaps_the_index_and_its_downgrade_undoes_it(
    postgres_url: str,
) -> None:
    with pg.postgres_database() as url:
        await _down_to_0004_and_up(url)


async def _lookup(url: str) -> tuple[str, bool, bool, bool]:
    """(the function's owner, it reads reconciled_at, the app role may call it, the owner may read the column)."""
    connection = await asyncpg.connect(pg._dsn(url))
    try:
        owner, definition = await connection.fetchrow(
            "SELECT pg_get_userbyid(proowner), pg_get_functiondef(oid) FROM pg_proc"
            " WHERE proname = 'micropay_stuck_intents' AND prosecdef"
        )
        await connection.execute("SET ROLE micropay_app")
        callable_by_app = isinstance(await connection.fetch("SELECT * FROM micropay_stuck_intents(0, 1)"), list)
        await connection.execute("RESET ROLE")
        column_granted = await connection.fetchval(
            "SELECT count(*) = 1 FROM information_schema.column_privileges WHERE grantee = 'micropay_directory'"
            " AND table_name = 'micropay_payment_intents' AND column_name = 'reconciled_at'"
        )
    finally:
        await connection.close()
    return str(owner), "reconciled_at" in str(definition), callable_by_app, bool(column_granted)


async def test_on_postgres_0005_replaces_the_lookup_with_the_same_ownership_and_its_downgrade_restores_0003s(
    postgres_url: str,
) -> None:
    with pg.postgres_database() as url:
        assert await _lookup(url) == ("micropay_directory", True, True, True)
        downgrade(url, "0004")
        assert await _lookup(url) == ("micropay_directory", False, True, False)
        upgrade(url)
        assert await _lookup(url) == ("micropay_directory", True, True, True)
