"""Fakes of the webhook endpoint and delivery repositories: the tenant's rows, writes applied on commit.

Rows live in ``InMemoryDatabase.webhook_endpoints`` / ``webhook_deliveries``; a unit of work stages its writes
and ``apply()`` (called by the fake unit of work's commit) makes them visible to others.
"""

from __future__ import annotations

import msgspec

from micropay.domain.model.environment import Tenant
from micropay.domain.model.webhooks import AttemptRecord, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from micropay.ports.webhook_delivery_repository import DueDelivery, WebhookDeliveryRepository
from micropay.ports.webhook_endpoint_repository import StoredEndpoint, WebhookEndpointRepository
from tests.fakes.database import InMemoryDatabase, SchemaViolation


class FakeDeliveryRow(msgspec.Struct, kw_only=True):
    delivery: WebhookDelivery
    body: bytes
    lease_token: str | None = None
    lease_until: int | None = None


class FakeWebhookStore:
    """The staged webhook writes of one unit of work."""

    def __init__(self, db: InMemoryDatabase, tenant: Tenant) -> None:
        self.db = db
        self.tenant = tenant
        self.endpoints: dict[str, StoredEndpoint | None] = {}
        self.deliveries: dict[str, FakeDeliveryRow] = {}

    def endpoint(self, endpoint_id: str) -> StoredEndpoint | None:
        if endpoint_id in self.endpoints:
            return self.endpoints[endpoint_id]
        found = self.db.webhook_endpoints.get(endpoint_id)
        return found[1] if found is not None and found[0] == self.tenant else None

    def delivery(self, delivery_id: str) -> FakeDeliveryRow | None:
        if delivery_id in self.deliveries:
            return self.deliveries[delivery_id]
        found = self.db.webhook_deliveries.get(delivery_id)
        if found is None or found[0] != self.tenant:
            return None
        row: FakeDeliveryRow = found[1]
        return FakeDeliveryRow(
            delivery=row.delivery, body=row.body, lease_token=row.lease_token, lease_until=row.lease_until
        )

    def all_deliveries(self) -> list[FakeDeliveryRow]:
        ids = {i for i, (t, _) in self.db.webhook_deliveries.items() if t == self.tenant} | set(self.deliveries)
        return [row for row in (self.delivery(i) for i in ids) if row is not None]

    def apply(self) -> None:
        for endpoint_id, stored in self.endpoints.items():
            if stored is None:
                self.db.webhook_endpoints.pop(endpoint_id, None)
                for delivery_id in [
                    i for i, (_, r) in self.db.webhook_deliveries.items() if r.delivery.endpoint_id == endpoint_id
                ]:
                    del self.db.webhook_deliveries[delivery_id]
            else:
                self.db.webhook_endpoints[endpoint_id] = (self.tenant, stored)
        for delivery_id, row in self.deliveries.items():
            self.db.webhook_deliveries[delivery_id] = (self.tenant, row)
        self.endpoints, self.deliveries = {}, {}


class FakeWebhookEndpointRepository(WebhookEndpointRepository):
    def __init__(self, store: FakeWebhookStore) -> None:
        self._store = store

    async def get(self, endpoint_id: str, *, for_update: bool = False) -> StoredEndpoint | None:
        return self._store.endpoint(endpoint_id)

    async def list(self, *, limit: int, starting_after: str | None = None) -> list[WebhookEndpoint]:
        ids = {i for i, (t, _) in self._store.db.webhook_endpoints.items() if t == self._store.tenant}
        ids |= set(self._store.endpoints)
        found = [s.endpoint for s in (self._store.endpoint(i) for i in ids) if s is not None]
        found.sort(key=lambda e: e.id, reverse=True)
        if starting_after is not None:
            found = [e for e in found if e.id < starting_after]
        return found[:limit]

    async def put(self, stored: StoredEndpoint) -> None:
        if stored.endpoint.merchant_id != self._store.tenant.merchant_id:
            raise SchemaViolation("row-level security refuses writing another tenant's endpoint")
        self._store.endpoints[stored.endpoint.id] = stored

    async def delete(self, endpoint_id: str) -> bool:
        if self._store.endpoint(endpoint_id) is None:
            return False
        self._store.endpoints[endpoint_id] = None
        return True


class FakeWebhookDeliveryRepository(WebhookDeliveryRepository):
    def __init__(self, store: FakeWebhookStore) -> None:
        self._store = store

    async def schedule(self, deliveries: list[WebhookDelivery], body: bytes) -> None:
        for delivery in deliveries:
            if self._store.delivery(delivery.id) is not None:
                raise SchemaViolation(f"duplicate delivery id {delivery.id}")
            self._store.deliveries[delivery.id] = FakeDeliveryRow(delivery=delivery, body=body)

    async def take(
        self, delivery_id: str, lease_token: str, *, now: int, lease_until: int, fresh: bool
    ) -> DueDelivery | None:
        row = self._store.delivery(delivery_id)
        if row is None:
            return None
        if fresh:
            if row.lease_token is not None and (row.lease_until or 0) > now:
                return None
        elif row.lease_token != lease_token or row.delivery.status is not DeliveryStatus.PENDING:
            return None
        row.lease_token, row.lease_until = lease_token, lease_until
        self._store.deliveries[delivery_id] = row
        return DueDelivery(delivery=row.delivery, body=row.body, lease_token=lease_token)

    async def finish(self, delivery: WebhookDelivery, attempt: AttemptRecord | None, lease_token: str) -> bool:
        row = self._store.delivery(delivery.id)
        if row is None or row.lease_token != lease_token:
            return False
        attempts = (*row.delivery.attempts, attempt) if attempt is not None else row.delivery.attempts
        row.delivery = msgspec.structs.replace(delivery, attempts=attempts)
        row.lease_token, row.lease_until = None, None
        self._store.deliveries[delivery.id] = row
        return True

    async def list(
        self, *, endpoint_id: str | None = None, event_id: str | None = None, limit: int, starting_after: str | None
    ) -> list[WebhookDelivery]:
        found = [
            row.delivery
            for row in self._store.all_deliveries()
            if (endpoint_id is None or row.delivery.endpoint_id == endpoint_id)
            and (event_id is None or row.delivery.event_id == event_id)
            and (starting_after is None or row.delivery.id < starting_after)
        ]
        found.sort(key=lambda d: d.id, reverse=True)
        return found[:limit]
