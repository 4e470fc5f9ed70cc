"""Webhook deliveries and their attempts on SQL (tenant-scoped, in the unit of work's transaction)."""

from __future__ import annotations

import builtins
from collections import defaultdict
from typing import Any, Final

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.pg_driver import PgDriver, insert_sql
from micropay.adapters.persistence.webhook_rows import WEBHOOK_ATTEMPTS, WEBHOOK_DELIVERIES
from micropay.domain.model.environment import Tenant
from micropay.domain.model.webhooks import AttemptRecord, DeliveryStatus, WebhookDelivery
from micropay.ports.delivery_recovery import DeliveryRecovery
from micropay.ports.webhook_delivery_repository import DueDelivery, WebhookDeliveryRepository

_D = WEBHOOK_DELIVERIES.c
_A = WEBHOOK_ATTEMPTS.c
_IN_TENANT: Final = (_D.merchant_id == bindparam("t_merchant"), _D.environment == bindparam("t_env"))
_LOAD: Final = select(WEBHOOK_DELIVERIES).where(
    *_IN_TENANT, _D.id == bindparam("delivery_id"), _D.lease_token == bindparam("token")
)
# A manual retry leases the delivery itself (whatever its status), unless someone else holds a live lease.
_LEASE: Final = (
    update(WEBHOOK_DELIVERIES)
    .where(
        *_IN_TENANT,
        _D.id == bindparam("delivery_id"),
        or_(_D.lease_token.is_(None), _D.lease_until <= bindparam("now")),
    )
    .values(lease_token=bindparam("token"), lease_until=bindparam("lease_until"))
)
# An automatic attempt goes on only while its claim still holds the lease of a pending delivery.
_HOLD: Final = (
    update(WEBHOOK_DELIVERIES)
    .where(
        *_IN_TENANT,
        _D.id == bindparam("delivery_id"),
        _D.lease_token == bindparam("token"),
        _D.status == DeliveryStatus.PENDING.value,
    )
    .values(lease_until=bindparam("lease_until"))
)
_FINISH: Final = (
    update(WEBHOOK_DELIVERIES)
    .where(*_IN_TENANT, _D.id == bindparam("delivery_id"), _D.lease_token == bindparam("token"))
    .values(
        status=bindparam("v_status"),
        scheduled_attempts=bindparam("v_scheduled"),
        next_attempt_at=bindparam("v_next"),
        lease_token=None,
        lease_until=None,
    )
)
_ADD_ATTEMPT: Final = insert(WEBHOOK_ATTEMPTS)
_RESCHEDULE: Final = (
    update(WEBHOOK_DELIVERIES)
    .where(
        *_IN_TENANT,
        _D.endpoint_id == bindparam("p_endpoint"),
        _D.created >= bindparam("since"),
        _D.created <= bindparam("until"),
        or_(
            _D.status == DeliveryStatus.FAILED.value,
            and_(_D.status == DeliveryStatus.PENDING.value, _D.scheduled_attempts == 0),
        ),
    )
    .values(status=DeliveryStatus.PENDING.value, scheduled_attempts=0, next_attempt_at=bindparam("now"))
)
_DELIVERY_COLUMNS: Final = [c for c in WEBHOOK_DELIVERIES.columns if c.name != "body"]
_SCHEDULE_COLUMNS: Final = tuple(c.name for c in WEBHOOK_DELIVERIES.columns)
_PG_SCHEDULE: Final = insert_sql(WEBHOOK_DELIVERIES, _SCHEDULE_COLUMNS)


def delivery_to_domain(row: RowMapping, attempts: tuple[AttemptRecord, ...] = ()) -> WebhookDelivery:
    return WebhookDelivery(
        id=row["id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        endpoint_id=row["endpoint_id"],
        status=DeliveryStatus(row["status"]),
        scheduled_attempts=row["scheduled_attempts"],
        next_attempt_at=row["next_attempt_at"],
        created=row["created"],
        attempts=attempts,
    )


class SqlaWebhookDeliveryRepository(WebhookDeliveryRepository, DeliveryRecovery):
    def __init__(self, connection: AsyncConnection, tenant: Tenant, driver: PgDriver | None = None) -> None:
        self._connection = connection
        self._driver = driver
        self._tenant_obj = tenant
        self._tenant = {"t_merchant": tenant.merchant_id, "t_env": tenant.environment.value}

    async def schedule(self, deliveries: list[WebhookDelivery], body: bytes) -> None:
        if not deliveries:
            return
        rows = [
            {
                "id": d.id,
                "merchant_id": self._tenant_obj.merchant_id,
                "environment": self._tenant_obj.environment.value,
                "event_id": d.event_id,
                "event_type": d.event_type,
                "endpoint_id": d.endpoint_id,
                "body": body,
                "status": d.status.value,
                "scheduled_attempts": d.scheduled_attempts,
                "next_attempt_at": d.next_attempt_at,
                "lease_token": None,
                "lease_until": None,
                "created": d.created,
            }
            for d in deliveries
        ]
        if self._driver is not None:
            args = [[row[name] for name in _SCHEDULE_COLUMNS] for row in rows]
            await self._driver.executemany("schedule webhook deliveries", _PG_SCHEDULE, args)
            return
        with storage_errors("schedule webhook deliveries"):
            await self._connection.execute(insert(WEBHOOK_DELIVERIES), rows)

    async def take(
        self, delivery_id: str, lease_token: str, *, now: int, lease_until: int, fresh: bool
    ) -> DueDelivery | None:
        params = {**self._tenant, "delivery_id": delivery_id, "token": lease_token}
        statement = _LEASE if fresh else _HOLD
        with storage_errors("lease a webhook delivery"):
            leased = await self._connection.execute(statement, {**params, "now": now, "lease_until": lease_until})
            if leased.rowcount != 1:
                return None
            row = (await self._connection.execute(_LOAD, params)).mappings().first()
        if row is None:  # pragma: no cover - leased just above in this transaction
            return None
        return DueDelivery(delivery=delivery_to_domain(row), body=bytes(row["body"]), lease_token=lease_token)

    async def finish(self, delivery: WebhookDelivery, attempt: AttemptRecord | None, lease_token: str) -> bool:
        params = {
            **self._tenant,
            "delivery_id": delivery.id,
            "token": lease_token,
            "v_status": delivery.status.value,
            "v_scheduled": delivery.scheduled_attempts,
            "v_next": delivery.next_attempt_at,
        }
        with storage_errors("record a webhook attempt"):
            result = await self._connection.execute(_FINISH, params)
            if result.rowcount != 1:
                return False
            if attempt is not None:
                await self._connection.execute(_ADD_ATTEMPT, self._attempt_values(delivery.id, attempt))
        return True

    async def list(
        self, *, endpoint_id: str | None = None, event_id: str | None = None, limit: int, starting_after: str | None
    ) -> list[WebhookDelivery]:
        statement = select(*_DELIVERY_COLUMNS).where(
            _D.merchant_id == self._tenant_obj.merchant_id, _D.environment == self._tenant_obj.environment.value
        )
        if endpoint_id is not None:
            statement = statement.where(_D.endpoint_id == endpoint_id)
        if event_id is not None:
            statement = statement.where(_D.event_id == event_id)
        if starting_after is not None:
            statement = statement.where(_D.id < starting_after)
        statement = statement.order_by(_D.id.desc()).limit(limit)
        with storage_errors("list webhook deliveries"):
            rows = list((await self._connection.execute(statement)).mappings())
            attempts = await self._attempts_of([row["id"] for row in rows])
        return [delivery_to_domain(row, tuple(attempts[row["id"]])) for row in rows]

    async def reschedule(self, endpoint_id: str, *, since: int, until: int, now: int) -> int:
        params = {**self._tenant, "p_endpoint": endpoint_id, "since": since, "until": until, "now": now}
        with storage_errors("reschedule webhook deliveries"):
            result = await self._connection.execute(_RESCHEDULE, params)
        return int(result.rowcount)

    async def _attempts_of(self, delivery_ids: builtins.list[str]) -> dict[str, builtins.list[AttemptRecord]]:
        found: dict[str, builtins.list[AttemptRecord]] = defaultdict(builtins.list)
        if not delivery_ids:
            return found
        statement = select(WEBHOOK_ATTEMPTS).where(_A.delivery_id.in_(delivery_ids)).order_by(_A.id)
        for row in (await self._connection.execute(statement)).mappings():
            found[row["delivery_id"]].append(
                AttemptRecord(
                    created=row["created"],
                    http_status=row["http_status"],
                    duration_ms=row["duration_ms"],
                    error=row["error"],
                    response_excerpt=row["response_excerpt"],
                )
            )
        return found

    def _attempt_values(self, delivery_id: str, attempt: AttemptRecord) -> dict[str, Any]:
        return {
            "delivery_id": delivery_id,
            "merchant_id": self._tenant_obj.merchant_id,
            "environment": self._tenant_obj.environment.value,
            "created": attempt.created,
            "http_status": attempt.http_status,
            "duration_ms": attempt.duration_ms,
            "error": attempt.error,
            "response_excerpt": attempt.response_excerpt,
        }
