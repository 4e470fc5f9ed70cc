"""The provider log on SQL."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.mapping import attempt_from_domain, attempt_to_domain
from micropay.adapters.persistence.pg_driver import PgDriver, insert_sql, json_columns, row_values, select_sql
from micropay.adapters.persistence.rows import ATTEMPTS
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.environment import Tenant
from micropay.domain.model.provider import AttemptOutcome
from micropay.ports.attempt_repository import AttemptRepository

_C = ATTEMPTS.c
_IN_TENANT: Final = (_C.merchant_id == bindparam("t_merchant"), _C.environment == bindparam("t_env"))
_INSERT: Final = insert(ATTEMPTS)
_OUTCOME_COLUMNS: Final = ("outcome", "request", "response", "http_status", "updated")
_UPDATE: Final = (
    update(ATTEMPTS)
    .where(_C.id == bindparam("t_id"), *_IN_TENANT)
    .values(
        {
            **{name: bindparam(f"v_{name}", type_=ATTEMPTS.c[name].type) for name in _OUTCOME_COLUMNS},
            # Only ever filled in: a concurrent link by a callback must survive a later outcome update.
            "checkout_request_id": func.coalesce(
                bindparam("v_checkout_request_id", type_=_C.checkout_request_id.type), _C.checkout_request_id
            ),
        }
    )
)
_LINK: Final = (
    update(ATTEMPTS)
    .where(_C.id == bindparam("t_id"), *_IN_TENANT, _C.checkout_request_id.is_(None))
    .values(checkout_request_id=bindparam("v_checkout_request_id"), updated=bindparam("v_updated"))
)
_FILL_OUTCOME: Final = (
    update(ATTEMPTS)
    .where(_C.id == bindparam("t_id"), *_IN_TENANT, _C.outcome.is_(None))
    .values(outcome=bindparam("v_outcome"), updated=bindparam("v_updated"))
)
_GET: Final = select(ATTEMPTS).where(_C.id == bindparam("t_id"), *_IN_TENANT)


# The same statements for the Postgres hot path (pg_driver.py), positional.
_JSON: Final = json_columns(ATTEMPTS)
_COLUMNS: Final = tuple(c.name for c in ATTEMPTS.columns)
_PG_INSERT: Final = insert_sql(ATTEMPTS, _COLUMNS)
_PG_GET: Final = select_sql(ATTEMPTS, ("id", "merchant_id", "environment"))
_PG_UPDATE: Final = (
    f"UPDATE {ATTEMPTS.name} SET "  # noqa: S608 - built from the Table, no input
    + ", ".join(f"{name} = ${i}" for i, name in enumerate(_OUTCOME_COLUMNS, 1))
    + f", checkout_request_id = coalesce(${len(_OUTCOME_COLUMNS) + 1}, checkout_request_id)"
    + f" WHERE id = ${len(_OUTCOME_COLUMNS) + 2} AND merchant_id = ${len(_OUTCOME_COLUMNS) + 3}"
    + f" AND environment = ${len(_OUTCOME_COLUMNS) + 4}"
)


class SqlaAttemptRepository(AttemptRepository):
    def __init__(self, connection: AsyncConnection, tenant: Tenant, driver: PgDriver | None = None) -> None:
        self._connection = connection
        self._driver = driver
        self._tenant = {"t_merchant": tenant.merchant_id, "t_env": tenant.environment.value}

    async def add(self, attempt: ProviderAttempt) -> None:
        self._check_tenant(attempt)
        if self._driver is not None:
            values = row_values(attempt_from_domain(attempt), _COLUMNS, _JSON)
            await self._driver.execute("record a provider attempt", _PG_INSERT, *values)
            return
        with storage_errors("record a provider attempt"):
            await self._connection.execute(_INSERT, attempt_from_domain(attempt))

    async def update(self, attempt: ProviderAttempt) -> None:
        self._check_tenant(attempt)
        values = attempt_from_domain(attempt)
        if self._driver is not None:
            args = [*row_values(values, (*_OUTCOME_COLUMNS, "checkout_request_id"), _JSON), attempt.id]
            await self._driver.execute("update a provider attempt", _PG_UPDATE, *args, *self._tenant.values())
            return
        params = {f"v_{name}": values[name] for name in (*_OUTCOME_COLUMNS, "checkout_request_id")}
        params.update(self._tenant, t_id=attempt.id)
        with storage_errors("update a provider attempt"):
            await self._connection.execute(_UPDATE, params)

    async def fill_outcome(self, attempt_id: str, outcome: AttemptOutcome, at: int) -> None:
        params = {"t_id": attempt_id, "v_outcome": outcome.value, "v_updated": at, **self._tenant}
        with storage_errors("fill in a push outcome"):
            await self._connection.execute(_FILL_OUTCOME, params)

    async def link_checkout_request(self, attempt_id: str, checkout_request_id: str, at: int) -> None:
        params = {"t_id": attempt_id, "v_checkout_request_id": checkout_request_id, "v_updated": at, **self._tenant}
        with storage_errors("link a CheckoutRequestID"):
            await self._connection.execute(_LINK, params)

    async def get(self, attempt_id: str) -> ProviderAttempt | None:
        if self._driver is not None:
            found = await self._driver.fetchrow("read a provider attempt", _PG_GET, attempt_id, *self._tenant.values())
            return attempt_to_domain(found) if found is not None else None
        with storage_errors("read a provider attempt"):
            result = await self._connection.execute(_GET, {"t_id": attempt_id, **self._tenant})
            row = result.mappings().first()
        return attempt_to_domain(row) if row is not None else None

    async def list_for_intent(
        self, intent_id: str, *, limit: int, starting_after: str | None = None
    ) -> tuple[list[ProviderAttempt], bool]:
        statement = select(ATTEMPTS).where(
            _C.intent_id == intent_id,
            _C.merchant_id == self._tenant["t_merchant"],
            _C.environment == self._tenant["t_env"],
        )
        if starting_after is not None:
            statement = statement.where(_C.id > starting_after)
        statement = statement.order_by(_C.id.asc()).limit(limit + 1)
        with storage_errors("list provider attempts"):
            result = await self._connection.execute(statement)
            rows = result.mappings().all()
        return [attempt_to_domain(row) for row in rows[:limit]], len(rows) > limit

    def _check_tenant(self, attempt: ProviderAttempt) -> None:
        if (attempt.merchant_id, attempt.environment.value) != (self._tenant["t_merchant"], self._tenant["t_env"]):
            raise ValueError("An attempt can only be written by the unit of work of its own tenant.")
