"""A webhook world on a real database: the real adapters and use cases, a fake clock, no jitter."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import SqlaUnitOfWorkFactory, create_engine
from micropay.adapters.persistence.delivery_queue import SqlaDeliveryQueue
from micropay.adapters.persistence.webhook_rows import WEBHOOK_DELIVERIES
from micropay.adapters.system import SecureIdGenerator
from micropay.adapters.vault import AesGcmVault, load_master_keys
from micropay.adapters.webhooks.sender import HttpxWebhookSender, make_webhook_client
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import EventType, IntentEvent
from micropay.domain.model.webhooks import WebhookDelivery
from micropay.domain.use_cases._events import record_events
from micropay.domain.use_cases.webhooks.deliver import AttemptDelivery
from micropay.domain.use_cases.webhooks.endpoints import EndpointWithSecret, RegisterEndpoint
from micropay.domain.use_cases.webhooks.policy import WebhookPolicy
from micropay.entrypoints.webhook_dispatcher import WebhookDispatcher
from tests import pg
from tests.fakes.clock import FakeClock
from tests.integration.persistence.builders import created_intent, new_tenant, seed_merchant

LEASE_SECONDS = 30


class FixedRandom:
    """Secure bytes for secrets; no jitter, so the schedule is exact."""

    def token_bytes(self, length: int) -> bytes:
        return os.urandom(length)

    def jitter(self) -> float:
        return 0.0


class WebhookWorld:
    def __init__(self, engine: AsyncEngine, client: httpx.AsyncClient, tenant: Tenant, *, timeout: float) -> None:
        self.engine = engine
        self.tenant = tenant
        self.clock = FakeClock()
        self.ids = SecureIdGenerator()
        self.uow = SqlaUnitOfWorkFactory(engine)
        self.vault_key = base64.b64encode(os.urandom(32)).decode()
        self.vault = AesGcmVault(load_master_keys(self.vault_key, None))
        self.policy = WebhookPolicy(allow_private=True, lease_seconds=LEASE_SECONDS)
        self.queue = SqlaDeliveryQueue(engine)
        self.sender = HttpxWebhookSender(client, self.clock, timeout=timeout)
        self.random = FixedRandom()
        self.attempt = AttemptDelivery(self.uow, self.vault, self.sender, self.clock, self.random, self.policy)

    def dispatcher(self, **options: Any) -> WebhookDispatcher:
        return WebhookDispatcher(self.queue, self.attempt, self.clock, self.ids, lease_seconds=LEASE_SECONDS, **options)

    async def register(self, url: str, events: list[str] | None = None) -> EndpointWithSecret:
        register = RegisterEndpoint(self.uow, self.vault, self.clock, self.ids, self.random, self.policy)
        return await register(self.tenant, {"url": url, "enabled_events": events or ["*"]})

    async def emit(self, event_type: str = "payment_intent.succeeded") -> str:
        """An event written the production way (``record_events``: the event and its deliveries, one
        transaction) about an intent that need not exist; returns the event id."""
        intent = created_intent(self.tenant)
        change = IntentEvent(
            type=EventType(event_type), intent_id=intent.id, version=intent.version, at=int(self.clock.now())
        )
        async with self.uow(self.tenant) as uow:
            [event] = await record_events(uow, intent, [change], ids=self.ids, request=None)
            await uow.commit()
        return event.id

    async def deliveries(self, endpoint_id: str | None = None) -> list[WebhookDelivery]:
        async with self.uow(self.tenant) as uow:
            return await uow.webhook_deliveries.list(endpoint_id=endpoint_id, limit=1000, starting_after=None)

    async def raw_leases(self) -> list[tuple[str | None, int | None]]:
        async with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                return []  # row-level security hides the rows outside a tenant transaction
            rows = await connection.execute(select(WEBHOOK_DELIVERIES.c.lease_token, WEBHOOK_DELIVERIES.c.lease_until))
            return [(row[0], row[1]) for row in rows]

    async def run_due_until(self, end: float, dispatcher: WebhookDispatcher | None = None) -> int:
        """Jump the clock from one due time to the next up to ``end``, dispatching at each; returns attempts made."""
        dispatcher = dispatcher or self.dispatcher()
        made = 0
        while True:
            pending = [d.next_attempt_at for d in await self.deliveries() if d.next_attempt_at is not None]
            due = min((t for t in pending if t is not None), default=None)
            if due is None or due > end:
                break
            self.clock.set(max(self.clock.now(), due))
            started = await dispatcher.run_once()
            if started == 0:  # leased elsewhere or released: move on a second
                self.clock.advance(1)
            made += started
        self.clock.set(max(self.clock.now(), end))
        return made


@pytest.fixture(scope="module")
def webhook_postgres_url() -> Iterator[str]:
    """A Postgres database of this module's own: the delivery queue spans tenants, so no other test's
    deliveries (nor another app's dispatcher) may share it."""
    pg.require_postgres()
    with pg.postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "webhook_postgres_url" if request.param == "postgres" else "sqlite_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture
async def world(engine: AsyncEngine) -> AsyncIterator[WebhookWorld]:
    tenant = new_tenant()
    await seed_merchant(SqlaUnitOfWorkFactory(engine), tenant)
    async with make_webhook_client(1.0) as client:
        world = WebhookWorld(engine, client, tenant, timeout=1.0)
        yield world
    # what this test leaves due must not be claimed by the next one (endpoints cascade to deliveries)
    async with world.uow(tenant) as uow:
        for endpoint in await uow.webhook_endpoints.list(limit=100):
            await uow.webhook_endpoints.delete(endpoint.id)
        await uow.commit()
