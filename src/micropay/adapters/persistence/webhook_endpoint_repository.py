"""Webhook endpoints on SQL, with their sealed secrets in one JSON column (tenant-scoped)."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.pg_driver import PgDriver, select_sql
from micropay.adapters.persistence.upsert import insert_for
from micropay.adapters.persistence.webhook_rows import WEBHOOK_ENDPOINTS
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.webhooks import DisabledReason, EndpointStatus, WebhookEndpoint
from micropay.ports.credential_vault import Sealed
from micropay.ports.webhook_endpoint_repository import SealedSecret, StoredEndpoint, WebhookEndpointRepository

_E = WEBHOOK_ENDPOINTS.c
_IN_TENANT: Final = (_E.merchant_id == bindparam("t_merchant"), _E.environment == bindparam("t_env"))
_GET: Final = select(WEBHOOK_ENDPOINTS).where(*_IN_TENANT, _E.id == bindparam("endpoint_id"))
_GET_FOR_UPDATE: Final = _GET.with_for_update()  # SQLite has no row locks: its writer lock is already held
_LIST: Final = select(WEBHOOK_ENDPOINTS).where(*_IN_TENANT).order_by(_E.id.desc()).limit(bindparam("limit"))
_LIST_AFTER: Final = _LIST.where(_E.id < bindparam("starting_after"))
_DELETE: Final = delete(WEBHOOK_ENDPOINTS).where(*_IN_TENANT, _E.id == bindparam("endpoint_id"))
_VALUE_COLUMNS: Final = tuple(c.name for c in WEBHOOK_ENDPOINTS.columns if c.name not in {"id", "merchant_id"})
_PG_LIST: Final = select_sql(WEBHOOK_ENDPOINTS, ("merchant_id", "environment"), " ORDER BY id DESC LIMIT $3")


def _upsert(dialect_name: str) -> Any:
    statement = insert_for(dialect_name, WEBHOOK_ENDPOINTS)
    return statement.on_conflict_do_update(
        index_elements=[_E.id], set_={name: statement.excluded[name] for name in _VALUE_COLUMNS}
    )


_UPSERTS: Final = {name: _upsert(name) for name in ("postgresql", "sqlite")}


def endpoint_to_domain(row: RowMapping) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row["id"],
        merchant_id=row["merchant_id"],
        environment=Environment(row["environment"]),
        url=row["url"],
        enabled_events=tuple(row["enabled_events"]),
        description=row["description"],
        status=EndpointStatus(row["status"]),
        disabled_reason=DisabledReason(row["disabled_reason"]) if row["disabled_reason"] else None,
        created=row["created"],
        failing_since=row["failing_since"],
        last_failure_at=row["last_failure_at"],
    )


def _secrets_to_domain(items: list[dict[str, Any]]) -> tuple[SealedSecret, ...]:
    return tuple(
        SealedSecret(
            sealed=Sealed(encrypted_blob=item["encrypted_blob"], iv=item["iv"], key_id=item["key_id"]),
            expires_at=item.get("expires_at"),
        )
        for item in items
    )


def _values(stored: StoredEndpoint) -> dict[str, Any]:
    endpoint = stored.endpoint
    return {
        "id": endpoint.id,
        "merchant_id": endpoint.merchant_id,
        "environment": endpoint.environment.value,
        "url": endpoint.url,
        "enabled_events": list(endpoint.enabled_events),
        "description": endpoint.description,
        "status": endpoint.status.value,
        "disabled_reason": endpoint.disabled_reason.value if endpoint.disabled_reason else None,
        "secrets": [
            {
                "encrypted_blob": s.sealed.encrypted_blob,
                "iv": s.sealed.iv,
                "key_id": s.sealed.key_id,
                "expires_at": s.expires_at,
            }
            for s in stored.secrets
        ],
        "created": endpoint.created,
        "failing_since": endpoint.failing_since,
        "last_failure_at": endpoint.last_failure_at,
    }


class SqlaWebhookEndpointRepository(WebhookEndpointRepository):
    def __init__(self, connection: AsyncConnection, tenant: Tenant, driver: PgDriver | None = None) -> None:
        self._connection = connection
        self._driver = driver
        self._tenant_obj = tenant
        self._tenant = {"t_merchant": tenant.merchant_id, "t_env": tenant.environment.value}

    async def get(self, endpoint_id: str, *, for_update: bool = False) -> StoredEndpoint | None:
        statement = _GET_FOR_UPDATE if for_update else _GET
        with storage_errors("read a webhook endpoint"):
            result = await self._connection.execute(statement, {**self._tenant, "endpoint_id": endpoint_id})
            row = result.mappings().first()
        if row is None:
            return None
        return StoredEndpoint(endpoint=endpoint_to_domain(row), secrets=_secrets_to_domain(row["secrets"]))

    async def list(self, *, limit: int, starting_after: str | None = None) -> list[WebhookEndpoint]:
        if self._driver is not None and starting_after is None:  # every event's delivery scheduling asks this
            found = await self._driver.fetch("list webhook endpoints", _PG_LIST, *self._tenant.values(), limit)
            return [endpoint_to_domain(row) for row in found]
        statement = _LIST if starting_after is None else _LIST_AFTER
        params = {**self._tenant, "limit": limit, "starting_after": starting_after}
        with storage_errors("list webhook endpoints"):
            result = await self._connection.execute(statement, params)
            return [endpoint_to_domain(row) for row in result.mappings()]

    async def put(self, stored: StoredEndpoint) -> None:
        if stored.endpoint.merchant_id != self._tenant_obj.merchant_id or (
            stored.endpoint.environment is not self._tenant_obj.environment
        ):
            raise ValueError("an endpoint can only be stored in its own tenant's unit of work")
        with storage_errors("store a webhook endpoint"):
            await self._connection.execute(_UPSERTS[self._connection.dialect.name], _values(stored))

    async def delete(self, endpoint_id: str) -> bool:
        with storage_errors("delete a webhook endpoint"):
            result = await self._connection.execute(_DELETE, {**self._tenant, "endpoint_id": endpoint_id})
        return result.rowcount > 0
