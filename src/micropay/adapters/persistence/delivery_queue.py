"""The cross-tenant queue of due webhook deliveries.

On Postgres it calls the SECURITY DEFINER functions of migration 0009 (``FOR UPDATE SKIP LOCKED`` plus a
lease: the only cross-tenant access ``micropay_app`` has, and it returns only tenants and ids). On SQLite
the same UPDATE runs directly; SQLite serialises writers, so the lease is still taken by exactly one caller
(one dispatching process is the supported setup there). Each call is one autocommit round trip.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import ARRAY, Executable, Text, bindparam, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.webhook_rows import WEBHOOK_DELIVERIES
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.webhooks import DeliveryStatus
from micropay.ports.delivery_queue import Claim, DeliveryQueue

_D = WEBHOOK_DELIVERIES.c
_PG_CLAIM: Final = text("SELECT * FROM micropay_claim_webhook_deliveries(:now, :lease_until, :token, :limit)")
_PG_RELEASE: Final = text("SELECT micropay_release_webhook_deliveries(:ids, :token, :until)").bindparams(
    bindparam("ids", type_=ARRAY(Text))
)
_LITE_DUE: Final = (
    select(_D.id)
    .where(
        _D.status == DeliveryStatus.PENDING.value,
        _D.next_attempt_at <= bindparam("now"),
        or_(_D.lease_until.is_(None), _D.lease_until <= bindparam("now")),
    )
    .order_by(_D.next_attempt_at)
    .limit(bindparam("limit"))
    .scalar_subquery()
)
_LITE_CLAIM: Final = (
    update(WEBHOOK_DELIVERIES)
    .where(_D.id.in_(_LITE_DUE))
    .values(lease_token=bindparam("token"), lease_until=bindparam("lease_until"))
    .returning(_D.merchant_id, _D.environment, _D.id.label("delivery_id"), _D.endpoint_id)
)
_LITE_RELEASE: Final = (
    update(WEBHOOK_DELIVERIES)
    .where(_D.id.in_(bindparam("ids", expanding=True)), _D.lease_token == bindparam("token"))
    .values(lease_token=None, lease_until=bindparam("until"))
)


class SqlaDeliveryQueue(DeliveryQueue):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        postgres = engine.dialect.name == "postgresql"
        self._claim: Executable = _PG_CLAIM if postgres else _LITE_CLAIM
        self._release: Executable = _PG_RELEASE if postgres else _LITE_RELEASE

    async def claim(self, *, now: int, lease_until: int, limit: int, lease_token: str) -> list[Claim]:
        params = {"now": now, "lease_until": lease_until, "limit": max(limit, 0), "token": lease_token}
        rows = await self._run("claim due webhook deliveries", self._claim, params)
        return [
            Claim(
                tenant=Tenant(merchant_id=row["merchant_id"], environment=Environment(row["environment"])),
                delivery_id=row["delivery_id"],
                endpoint_id=row["endpoint_id"],
                lease_token=lease_token,
            )
            for row in rows
        ]

    async def release(self, claims: list[Claim], *, until: int) -> None:
        by_token: dict[str, list[str]] = {}
        for claim in claims:
            by_token.setdefault(claim.lease_token, []).append(claim.delivery_id)
        for token, ids in by_token.items():
            params = {"ids": ids, "token": token, "until": until}
            await self._run("release webhook deliveries", self._release, params, returns_rows=False)

    async def _run(
        self, action: str, statement: Executable, params: dict[str, Any], *, returns_rows: bool = True
    ) -> list[Any]:
        with storage_errors(action):
            async with self._engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                result = await connection.execute(statement, params)
                return list(result.mappings().all()) if returns_rows else []
