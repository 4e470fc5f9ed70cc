"""Idempotency records on SQL, decided by the database so that claims hold across processes.

Each call is its own short transaction with the tenant set (row-level security applies on Postgres).
The rules (what is expired, what may be taken over) are the domain's: ``decide`` and ``is_expired``.
``complete`` and ``release`` are compare-and-swaps on the claim's ``created_at`` (the holder's token).
``prune`` crosses tenants: on Postgres through the SECURITY DEFINER function of migration 0004 (no tenant
set), on SQLite a plain DELETE.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Boolean, Executable, bindparam, case, delete, null, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from micropay.adapters.persistence.engine import is_postgres
from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.mapping import idempotency_to_domain
from micropay.adapters.persistence.rows import IDEMPOTENCY
from micropay.adapters.persistence.tenant_scope import set_tenant
from micropay.adapters.persistence.upsert import insert_for
from micropay.domain.model.environment import Tenant
from micropay.domain.model.idempotency import Decision, IdempotencyRecord, StoredResponse, decide, keeps_binding
from micropay.ports.idempotency_store import IdempotencyStore

_C = IDEMPOTENCY.c
_THE_KEY: Final = (
    _C.merchant_id == bindparam("t_merchant"),
    _C.environment == bindparam("t_env"),
    _C.key == bindparam("t_key"),
)
_READ: Final = select(IDEMPOTENCY).where(*_THE_KEY)
_NEW_CLAIM: Final[dict[str, Any]] = {"fingerprint": bindparam("v_fingerprint"), "created_at": bindparam("v_created_at")}
_NO_RESPONSE: Final[dict[str, Any]] = {"response_status": None, "response_body": None, "response_content_type": None}
# Compare-and-swap: replace the record only if it is still exactly the one we judged. A takeover after the
# lease keeps what the first request bound (it resumes that); an expired key forgets it.
_KEEP: Final = bindparam("keep_binding", type_=Boolean())
_TAKE_OVER: Final = (
    update(IDEMPOTENCY)
    .where(*_THE_KEY, _C.fingerprint == bindparam("old_fingerprint"), _C.created_at == bindparam("old_created_at"))
    .values(
        **_NEW_CLAIM,
        **_NO_RESPONSE,
        object_id=case((_KEEP, _C.object_id), else_=null()),
        sealed_secret=case((_KEEP, _C.sealed_secret), else_=null()),
    )
)
# Only the holder finishes its claim: the record must still be the in-flight one it created.
_HELD: Final = (_C.response_status.is_(None), _C.created_at == bindparam("v_claimed_at"))
_COMPLETE: Final = (
    update(IDEMPOTENCY)
    .where(*_THE_KEY, *_HELD)
    .values(
        response_status=bindparam("v_status"),
        response_body=bindparam("v_body"),
        response_content_type=bindparam("v_content_type"),
    )
)
_RELEASE: Final = delete(IDEMPOTENCY).where(*_THE_KEY, *_HELD)
_PG_PRUNE: Final = text("SELECT micropay_prune_idempotency_keys(:created_before, :limit) AS deleted")
_OLD: Final = _C.created_at < bindparam("created_before")
_LITE_PRUNE: Final = delete(IDEMPOTENCY).where(
    _OLD,
    tuple_(_C.merchant_id, _C.environment, _C.key).in_(
        select(_C.merchant_id, _C.environment, _C.key).where(_OLD).order_by(_C.created_at).limit(bindparam("limit"))
    ),
)
_MAX_ROUNDS: Final = 4


def _claim_statement(dialect_name: str) -> Any:
    statement = insert_for(dialect_name, IDEMPOTENCY).values(
        merchant_id=bindparam("t_merchant"), environment=bindparam("t_env"), key=bindparam("t_key"), **_NEW_CLAIM
    )
    return statement.on_conflict_do_nothing(index_elements=[_C.merchant_id, _C.environment, _C.key])


_CLAIMS: Final = {name: _claim_statement(name) for name in ("postgresql", "sqlite")}


class SqlaIdempotencyStore(IdempotencyStore):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._claim = _CLAIMS[engine.dialect.name]
        self._postgres = is_postgres(engine)

    async def claim(self, tenant: Tenant, key: str, fingerprint: str, now: float) -> IdempotencyRecord | None:
        params = {**_key(tenant, key), "v_fingerprint": fingerprint, "v_created_at": now}
        with storage_errors("claim an idempotency key"):
            async with self._engine.connect() as connection, connection.begin():
                await set_tenant(connection, tenant)
                return await self._claim_in(connection, params, fingerprint, now)

    async def _claim_in(
        self, connection: AsyncConnection, params: dict[str, Any], fingerprint: str, now: float
    ) -> IdempotencyRecord | None:
        existing: IdempotencyRecord | None = None
        for _ in range(_MAX_ROUNDS):
            inserted = await connection.execute(self._claim, params)
            if inserted.rowcount == 1:
                return None
            row = (await connection.execute(_READ, params)).mappings().first()
            if row is None:
                continue  # released between our insert and our read: try to insert again
            existing = idempotency_to_domain(row)
            if decide(existing, fingerprint, now) is not Decision.PROCEED:
                return existing
            swapped = await connection.execute(
                _TAKE_OVER,
                {
                    **params,
                    "old_fingerprint": existing.fingerprint,
                    "old_created_at": existing.created_at,
                    "keep_binding": keeps_binding(existing, now),
                },
            )
            if swapped.rowcount == 1:
                return None
        # Others kept winning every round: report what is there now, for ``decide`` to judge (in flight).
        return existing

    async def complete(self, tenant: Tenant, key: str, response: StoredResponse, *, claimed_at: float) -> None:
        params = {
            **_key(tenant, key),
            "v_claimed_at": claimed_at,
            "v_status": response.status,
            "v_body": response.body,
            "v_content_type": response.content_type,
        }
        await self._write("store an idempotent response", tenant, _COMPLETE, params)

    async def release(self, tenant: Tenant, key: str, *, claimed_at: float) -> None:
        params = {**_key(tenant, key), "v_claimed_at": claimed_at}
        await self._write("release an idempotency key", tenant, _RELEASE, params)

    async def prune(self, *, created_before: float, limit: int) -> int:
        if limit <= 0:
            return 0
        params = {"created_before": created_before, "limit": limit}
        statement: Executable = _PG_PRUNE if self._postgres else _LITE_PRUNE
        with storage_errors("prune idempotency keys"):
            async with self._engine.connect() as connection, connection.begin():
                result = await connection.execute(statement, params)
                return int(result.scalar_one()) if self._postgres else result.rowcount

    async def _write(self, action: str, tenant: Tenant, statement: Any, params: dict[str, Any]) -> None:
        with storage_errors(action):
            async with self._engine.connect() as connection, connection.begin():
                await set_tenant(connection, tenant)
                await connection.execute(statement, params)


def _key(tenant: Tenant, key: str) -> dict[str, Any]:
    return {"t_merchant": tenant.merchant_id, "t_env": tenant.environment.value, "t_key": key}
