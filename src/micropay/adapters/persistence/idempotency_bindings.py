"""A key's binding to what its request did, on the unit of work's connection (same transaction as the object)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.rows import IDEMPOTENCY
from micropay.domain.model.environment import Tenant
from micropay.domain.model.idempotency import IdempotencyBinding, IdempotencyClaim
from micropay.ports.idempotency_bindings import IdempotencyBindings, IdempotencyClaimLost

_C = IDEMPOTENCY.c
_THE_KEY: Final = (
    _C.merchant_id == bindparam("t_merchant"),
    _C.environment == bindparam("t_env"),
    _C.key == bindparam("t_key"),
)
_BOUND: Final = select(_C.object_id, _C.sealed_secret).where(*_THE_KEY, _C.object_id.is_not(None))
# only the in-flight claim that is ours may bind (the same compare-and-swap as complete/release)
_BIND: Final = (
    update(IDEMPOTENCY)
    .where(*_THE_KEY, _C.response_status.is_(None), _C.created_at == bindparam("t_claimed_at"))
    .values(object_id=bindparam("v_object_id"), sealed_secret=bindparam("v_sealed_secret"))
)


class SqlaIdempotencyBindings(IdempotencyBindings):
    def __init__(self, connection: AsyncConnection, tenant: Tenant) -> None:
        self._connection = connection
        self._tenant = {"t_merchant": tenant.merchant_id, "t_env": tenant.environment.value}

    async def bound(self, claim: IdempotencyClaim) -> IdempotencyBinding | None:
        with storage_errors("read an idempotency binding"):
            result = await self._connection.execute(_BOUND, {**self._tenant, "t_key": claim.key})
            row = result.mappings().first()
        if row is None:
            return None
        secret = row["sealed_secret"]
        return IdempotencyBinding(object_id=row["object_id"], sealed_secret=bytes(secret) if secret else None)

    async def bind(self, claim: IdempotencyClaim, binding: IdempotencyBinding) -> None:
        params = {
            **self._tenant,
            "t_key": claim.key,
            "t_claimed_at": claim.claimed_at,
            "v_object_id": binding.object_id,
            "v_sealed_secret": binding.sealed_secret,
        }
        with storage_errors("bind an idempotency key"):
            result = await self._connection.execute(_BIND, params)
        if result.rowcount != 1:
            raise IdempotencyClaimLost(
                "A newer request with this Idempotency-Key holds it now; this one stopped before doing anything."
            )
