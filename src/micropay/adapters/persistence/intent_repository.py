"""Payment intents on SQL: optimistic locking on ``version`` and keyset paging on the time-sortable id."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, func, insert, null, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.mapping import intent_from_domain, intent_to_domain
from micropay.adapters.persistence.pg_driver import (
    PgDriver,
    insert_sql,
    json_columns,
    row_values,
    rows_affected,
    select_sql,
)
from micropay.adapters.persistence.rows import INTENTS
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.ports.errors import ConcurrentUpdate
from micropay.ports.intent_repository import IntentPage, IntentPageQuery, IntentRepository

_C = INTENTS.c
_IN_TENANT: Final = (_C.merchant_id == bindparam("t_merchant"), _C.environment == bindparam("t_env"))
_GET: Final = select(INTENTS).where(_C.id == bindparam("t_id"), *_IN_TENANT)
_INSERT: Final = insert(INTENTS)
# Immutable columns (id, tenant, amount, currency, created, secret_hash) are never rewritten; reconciled_at is
# bookkeeping outside the domain intent: a transition clears it (its new ``updated`` is the newer activity).
_MUTABLE: Final = tuple(
    c.name
    for c in INTENTS.columns
    if c.name
    not in {"id", "merchant_id", "environment", "amount", "currency", "created", "secret_hash", "reconciled_at"}
)
_SAVE: Final = (
    update(INTENTS)
    .where(_C.id == bindparam("t_id"), *_IN_TENANT, _C.version == bindparam("t_expected_version"))
    .values(
        {**{name: bindparam(f"v_{name}", type_=INTENTS.c[name].type) for name in _MUTABLE}, "reconciled_at": null()}
    )
)
# Not a transition: neither version nor updated moves, so it never races a save.
_MARK_RECONCILED: Final = (
    update(INTENTS).where(_C.id == bindparam("t_id"), *_IN_TENANT).values(reconciled_at=bindparam("v_at"))
)

# The reconciliation lease: one UPDATE, so of concurrent claimers exactly one matches (Postgres re-checks
# the WHERE on the row a concurrent claim committed; SQLite serialises writers).
_CLAIM_RECONCILE: Final = (
    update(INTENTS)
    .where(
        _C.id == bindparam("t_id"),
        *_IN_TENANT,
        _C.status == IntentStatus.PROCESSING.value,
        func.coalesce(_C.reconciled_at, _C.updated) <= bindparam("t_active_before"),
    )
    .values(reconciled_at=bindparam("v_at"))
)


# The same statements for the Postgres hot path (pg_driver.py), positional.
_JSON: Final = json_columns(INTENTS)
_INSERT_COLUMNS: Final = tuple(c.name for c in INTENTS.columns if c.name != "reconciled_at")
_PG_GET: Final = select_sql(INTENTS, ("id", "merchant_id", "environment"))
_PG_INSERT: Final = insert_sql(INTENTS, _INSERT_COLUMNS)
_PG_SAVE: Final = (
    f"UPDATE {INTENTS.name} SET "  # noqa: S608 - built from the Table, no input
    + ", ".join(f"{name} = ${i}" for i, name in enumerate(_MUTABLE, 1))
    + ", reconciled_at = NULL"
    + f" WHERE id = ${len(_MUTABLE) + 1} AND merchant_id = ${len(_MUTABLE) + 2}"
    + f" AND environment = ${len(_MUTABLE) + 3} AND version = ${len(_MUTABLE) + 4}"
)


class SqlaIntentRepository(IntentRepository):
    def __init__(self, connection: AsyncConnection, tenant: Tenant, driver: PgDriver | None = None) -> None:
        self._connection = connection
        self._driver = driver
        self._tenant = {"t_merchant": tenant.merchant_id, "t_env": tenant.environment.value}
        #: Ids of the intents this transaction inserted or moved to a new version (announced after commit).
        self.changed: list[str] = []

    async def get(self, intent_id: str) -> PaymentIntent | None:
        if self._driver is not None:
            found = await self._driver.fetchrow(
                "read a payment intent", _PG_GET, intent_id, self._tenant["t_merchant"], self._tenant["t_env"]
            )
            return intent_to_domain(found) if found is not None else None
        with storage_errors("read a payment intent"):
            result = await self._connection.execute(_GET, {"t_id": intent_id, **self._tenant})
            row = result.mappings().first()
        return intent_to_domain(row) if row is not None else None

    async def add(self, intent: PaymentIntent) -> None:
        self._check_tenant(intent)
        if self._driver is not None:
            values = row_values(intent_from_domain(intent), _INSERT_COLUMNS, _JSON)
            await self._driver.execute("insert a payment intent", _PG_INSERT, *values)
        else:
            with storage_errors("insert a payment intent"):
                await self._connection.execute(_INSERT, intent_from_domain(intent))
        self.changed.append(intent.id)

    async def save(self, intent: PaymentIntent) -> None:
        self._check_tenant(intent)
        values = intent_from_domain(intent)
        if self._driver is not None:
            args = [*row_values(values, _MUTABLE, _JSON), intent.id, *self._tenant.values(), intent.version - 1]
            count = rows_affected(await self._driver.execute("update a payment intent", _PG_SAVE, *args))
        else:
            params = {f"v_{name}": values[name] for name in _MUTABLE}
            params.update(self._tenant, t_id=intent.id, t_expected_version=intent.version - 1)
            with storage_errors("update a payment intent"):
                result = await self._connection.execute(_SAVE, params)
            count = result.rowcount
        if count != 1:
            raise ConcurrentUpdate(f"PaymentIntent {intent.id} changed before version {intent.version} was saved.")
        self.changed.append(intent.id)

    async def mark_reconciled(self, intent_id: str, at: int) -> None:
        with storage_errors("mark a payment intent reconciled"):
            await self._connection.execute(_MARK_RECONCILED, {"t_id": intent_id, "v_at": at, **self._tenant})

    async def claim_reconcile(self, intent_id: str, *, active_before: int, at: int) -> bool:
        params = {"t_id": intent_id, "t_active_before": active_before, "v_at": at, **self._tenant}
        with storage_errors("claim a payment intent for reconciliation"):
            result = await self._connection.execute(_CLAIM_RECONCILE, params)
        return bool(result.rowcount == 1)

    async def list_page(self, query: IntentPageQuery) -> IntentPage:
        statement = select(INTENTS).where(
            _C.merchant_id == self._tenant["t_merchant"], _C.environment == self._tenant["t_env"]
        )
        if query.status is not None:
            statement = statement.where(_C.status == query.status.value)
        backwards = query.ending_before is not None
        if query.ending_before is not None:
            statement = statement.where(_C.id > query.ending_before).order_by(_C.id.asc())
        else:
            if query.starting_after is not None:
                statement = statement.where(_C.id < query.starting_after)
            statement = statement.order_by(_C.id.desc())
        statement = statement.limit(query.limit + 1)
        with storage_errors("list payment intents"):
            result = await self._connection.execute(statement)
            rows = result.mappings().all()
        has_more = len(rows) > query.limit
        page = [intent_to_domain(row) for row in rows[: query.limit]]
        if backwards:
            page.reverse()
        return IntentPage(data=page, has_more=has_more)

    def _check_tenant(self, intent: PaymentIntent) -> None:
        if (intent.merchant_id, intent.environment.value) != (self._tenant["t_merchant"], self._tenant["t_env"]):
            raise ValueError("An intent can only be written by the unit of work of its own tenant.")
