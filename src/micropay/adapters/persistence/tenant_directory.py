"""The lookups made before the tenant is known.

On Postgres they call the SECURITY DEFINER functions created by the migrations (the only way the
``micropay_app`` role can read across tenants, and only by an unguessable hash); on SQLite, plain queries.
Each runs on its own connection in autocommit mode: one round trip.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from sqlalchemy import Executable, bindparam, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.mapping import api_key_to_domain
from micropay.adapters.persistence.pg_driver import PgDriver, suspect_pool
from micropay.adapters.persistence.rows import API_KEYS, ATTEMPTS, CREDENTIALS, INTENTS, UNMATCHED_CALLBACKS
from micropay.adapters.persistence.unroutable import DEFAULT_BUDGET_PER_MINUTE, keepable
from micropay.domain.model.api_keys import ApiKey
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.intent import IntentStatus
from micropay.ports.errors import StorageUnavailable
from micropay.ports.tenant_directory import CallbackRoute, StuckIntent, TenantDirectory

log = logging.getLogger(__name__)

_PG_FIND_API_KEY: Final = text("SELECT * FROM micropay_find_api_key(:key_hash)")
_PG_ROUTE: Final = text("SELECT * FROM micropay_route_callback(:token_hash)")
_PG_CREDENTIAL_TENANTS: Final = text("SELECT * FROM micropay_credential_tenants(:not_key_id)")
_PG_STUCK_INTENTS: Final = text("SELECT * FROM micropay_stuck_intents(:updated_before, :limit)")
_PG_RECORD_UNROUTABLE: Final = text(
    "SELECT micropay_record_unroutable_callback(:token_hint, :body, :received_at, :budget) AS stored"
).bindparams(bindparam("body", type_=JSONB(none_as_null=True)))
_PG_DRIVER_FIND_API_KEY: Final = "SELECT * FROM micropay_find_api_key($1)"
_PG_DRIVER_ROUTE: Final = "SELECT * FROM micropay_route_callback($1)"
_PG_PRUNE_UNROUTABLE: Final = text("SELECT micropay_prune_unroutable_callbacks(:received_before, :limit) AS deleted")

_LITE_FIND_API_KEY: Final = select(API_KEYS).where(API_KEYS.c.key_hash == bindparam("key_hash"))
_LITE_ROUTE: Final = select(
    ATTEMPTS.c.merchant_id, ATTEMPTS.c.environment, ATTEMPTS.c.intent_id, ATTEMPTS.c.push_id
).where(ATTEMPTS.c.callback_token_hash == bindparam("token_hash"))
_LITE_CREDENTIAL_TENANTS: Final = (
    select(CREDENTIALS.c.merchant_id, CREDENTIALS.c.environment)
    .where(CREDENTIALS.c.key_id != bindparam("not_key_id"))
    .order_by(CREDENTIALS.c.merchant_id, CREDENTIALS.c.environment)
)
# last activity: when Daraja was last asked about it, else its last transition (the index's expression)
_last_activity = func.coalesce(INTENTS.c.reconciled_at, INTENTS.c.updated)
_LITE_STUCK_INTENTS: Final = (
    select(INTENTS.c.merchant_id, INTENTS.c.environment, INTENTS.c.id.label("intent_id"))
    .where(INTENTS.c.status == IntentStatus.PROCESSING.value, _last_activity <= bindparam("updated_before"))
    .order_by(_last_activity, INTENTS.c.id)
    .limit(bindparam("limit"))
)
_U = UNMATCHED_CALLBACKS.c
# Stored only while fewer than the budget arrived in the last 60 s (the same rule as the Postgres function).
_recent = (
    select(func.count())
    .select_from(UNMATCHED_CALLBACKS)
    .where(_U.received_at > bindparam("received_at") - 60, _U.received_at <= bindparam("received_at"))
    .scalar_subquery()
)
_LITE_RECORD_UNROUTABLE: Final = insert(UNMATCHED_CALLBACKS).from_select(
    ["token_hint", "body", "received_at"],
    select(
        bindparam("token_hint"),
        bindparam("body", type_=UNMATCHED_CALLBACKS.c.body.type),
        bindparam("received_at"),
    ).where(_recent < bindparam("budget")),
)
_LITE_PRUNE_UNROUTABLE: Final = delete(UNMATCHED_CALLBACKS).where(
    _U.id.in_(
        select(_U.id)
        .where(_U.received_at < bindparam("received_before"))
        .order_by(_U.received_at)
        .limit(bindparam("limit"))
    )
)


class SqlaTenantDirectory(TenantDirectory):
    def __init__(self, engine: AsyncEngine, *, unroutable_budget: int = DEFAULT_BUDGET_PER_MINUTE) -> None:
        self._engine = engine
        self._unroutable_budget = unroutable_budget
        self._dropped = 0  # unroutable callbacks not stored since the last warning
        postgres = engine.dialect.name == "postgresql"
        self._postgres = postgres
        self._find_api_key: Executable = _PG_FIND_API_KEY if postgres else _LITE_FIND_API_KEY
        self._route: Executable = _PG_ROUTE if postgres else _LITE_ROUTE
        self._credential_tenants: Executable = _PG_CREDENTIAL_TENANTS if postgres else _LITE_CREDENTIAL_TENANTS
        self._stuck_intents: Executable = _PG_STUCK_INTENTS if postgres else _LITE_STUCK_INTENTS
        self._record_unroutable: Executable = _PG_RECORD_UNROUTABLE if postgres else _LITE_RECORD_UNROUTABLE

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        if self._postgres:
            rows = await self._driver_run("look up an API key", _PG_DRIVER_FIND_API_KEY, key_hash)
            return api_key_to_domain(rows[0]) if rows else None
        rows = await self._run("look up an API key", self._find_api_key, {"key_hash": key_hash})
        return api_key_to_domain(rows[0]) if rows else None

    async def route_callback(self, token_hash: str) -> CallbackRoute | None:
        rows: list[Any]
        if self._postgres:
            rows = await self._driver_run("route a callback", _PG_DRIVER_ROUTE, token_hash)
        else:
            rows = await self._run("route a callback", self._route, {"token_hash": token_hash})
        if not rows:
            return None
        row = rows[0]
        tenant = Tenant(merchant_id=row["merchant_id"], environment=Environment(row["environment"]))
        return CallbackRoute(tenant=tenant, intent_id=row["intent_id"], push_id=row["push_id"])

    async def credential_tenants(self, *, not_key_id: str) -> list[Tenant]:
        rows = await self._run("list credential tenants", self._credential_tenants, {"not_key_id": not_key_id})
        return [Tenant(merchant_id=row["merchant_id"], environment=Environment(row["environment"])) for row in rows]

    async def stuck_intents(self, *, updated_before: int, limit: int) -> list[StuckIntent]:
        params = {"updated_before": updated_before, "limit": max(limit, 0)}
        rows = await self._run("list stuck intents", self._stuck_intents, params)
        return [
            StuckIntent(
                tenant=Tenant(merchant_id=row["merchant_id"], environment=Environment(row["environment"])),
                intent_id=row["intent_id"],
            )
            for row in rows
        ]

    async def record_unroutable_callback(self, token_hint: str, body: Any, received_at: int) -> None:
        params = {
            "token_hint": token_hint[:6],
            "body": keepable(body),
            "received_at": received_at,
            "budget": self._unroutable_budget,
        }
        if self._postgres:
            rows = await self._run("record an unroutable callback", self._record_unroutable, params)
            stored = bool(rows and rows[0]["stored"])
        else:
            stored = await self._run_count("record an unroutable callback", self._record_unroutable, params) == 1
        if stored:
            return
        self._dropped += 1
        if self._dropped == 1 or self._dropped % 1000 == 0:  # say so, without a line per attacker's request
            log.warning(
                "unroutable callbacks over budget (%d/min): %d not stored", self._unroutable_budget, self._dropped
            )

    async def prune_unroutable_callbacks(self, *, received_before: int, limit: int) -> int:
        params = {"received_before": received_before, "limit": max(limit, 0)}
        if self._postgres:
            rows = await self._run("prune unroutable callbacks", _PG_PRUNE_UNROUTABLE, params)
            return int(rows[0]["deleted"]) if rows else 0
        return await self._run_count("prune unroutable callbacks", _LITE_PRUNE_UNROUTABLE, params)

    async def _driver_run(self, action: str, sql: str, *args: Any) -> list[Any]:
        """The hot lookups on Postgres: one statement on the asyncpg connection (pg_driver.py), autocommit."""
        with storage_errors(action):
            # no transaction at all: SQLAlchemy begins none until it executes something, and it executes nothing
            async with self._engine.connect() as connection:
                driver = PgDriver.of(connection)
                try:
                    return await driver.fetch(action, sql, *args)
                except StorageUnavailable:
                    if driver.broken:  # as SQLAlchemy does on a disconnect (unit_of_work._close_quietly)
                        suspect_pool(connection)
                        await connection.invalidate()
                    raise

    async def _run_count(self, action: str, statement: Executable, params: dict[str, Any]) -> int:
        with storage_errors(action):
            async with self._engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                result = await connection.execute(statement, params)
                return int(result.rowcount)

    async def _run(
        self, action: str, statement: Executable, params: dict[str, Any], *, returns_rows: bool = True
    ) -> list[Any]:
        with storage_errors(action):
            async with self._engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                result = await connection.execute(statement, params)
                return list(result.mappings().all()) if returns_rows else []
