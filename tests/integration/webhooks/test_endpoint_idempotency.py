"""An endpoint create's Idempotency-Key is bound to the endpoint in its own transaction, on both backends: a
retry after a crash that lost the answer (the key's lease has passed, nothing was stored for replay) gets
the same endpoint and secret back, not a second endpoint."""

from __future__ import annotations

import time

import pytest

from micropay.adapters.persistence.idempotency_store import SqlaIdempotencyStore
from micropay.domain.model.idempotency import IN_FLIGHT_LEASE_SECONDS, IdempotencyClaim
from micropay.domain.use_cases.webhooks.endpoints import RegisterEndpoint
from tests.integration.webhooks.conftest import WebhookWorld

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def test_a_retry_after_a_lost_answer_gets_the_same_endpoint_and_secret(world: WebhookWorld) -> None:
    now = time.time()
    world.clock.set(now)
    store = SqlaIdempotencyStore(world.engine)
    register = RegisterEndpoint(world.uow, world.vault, world.clock, world.ids, world.random, world.policy)
    payload = {"url": "https://example.com/hooks", "enabled_events": ["*"]}

    assert await store.claim(world.tenant, "endpoint-1", "fp", now) is None
    first = await register(world.tenant, payload, idempotency=IdempotencyClaim(key="endpoint-1", claimed_at=now))
    # the process dies here: the answer is lost and the key is never completed
    later = now + IN_FLIGHT_LEASE_SECONDS
    world.clock.set(later)
    assert await store.claim(world.tenant, "endpoint-1", "fp", later) is None  # taken over after the lease
    retry = await register(world.tenant, payload, idempotency=IdempotencyClaim(key="endpoint-1", claimed_at=later))

    assert retry.endpoint == first.endpoint
    assert retry.secret == first.secret
    async with world.uow(world.tenant) as uow:
        assert [endpoint.id for endpoint in await uow.webhook_endpoints.list(limit=100)] == [first.endpoint.id]


async def test_without_a_key_each_create_registers_its_own_endpoint(world: WebhookWorld) -> None:
    world.clock.set(time.time())
    register = RegisterEndpoint(world.uow, world.vault, world.clock, world.ids, world.random, world.policy)
    payload = {"url": "https://example.com/hooks", "enabled_events": ["*"]}

    one, two = await register(world.tenant, payload), await register(world.tenant, payload)

    assert one.endpoint.id != two.endpoint.id
    assert one.secret != two.secret
