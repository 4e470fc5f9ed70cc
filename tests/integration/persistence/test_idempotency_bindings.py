"""A key bound to what its request created, on both backends: in the object's transaction, kept across a
takeover after the lease, forgotten when the key expires, refused to a claim that was taken over."""

from __future__ import annotations

import pytest

from micropay.adapters.persistence import Persistence
from micropay.domain.model.environment import Tenant
from micropay.domain.model.idempotency import (
    IN_FLIGHT_LEASE_SECONDS,
    RETENTION_SECONDS,
    IdempotencyBinding,
    IdempotencyClaim,
)
from micropay.ports.idempotency_bindings import IdempotencyClaimLost
from tests.integration.persistence.builders import NOW, created_intent, new_id

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
BINDING = IdempotencyBinding(object_id="pi_000000000000000000000042", sealed_secret=b"\x00sealed\xff")


async def _claim(persistence: Persistence, tenant: Tenant, key: str, now: float) -> IdempotencyClaim:
    assert await persistence.idempotency_store.claim(tenant, key, "fp", now) is None
    return IdempotencyClaim(key=key, claimed_at=now)


async def _bound(persistence: Persistence, tenant: Tenant, claim: IdempotencyClaim) -> IdempotencyBinding | None:
    async with persistence.uow_factory(tenant) as uow:
        return await uow.idempotency.bound(claim)


async def _bind(persistence: Persistence, tenant: Tenant, claim: IdempotencyClaim, *, commit: bool = True) -> None:
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(created_intent(tenant, intent_id=new_id("pi")))
        await uow.idempotency.bind(claim, BINDING)
        if commit:
            await uow.commit()


async def test_a_binding_commits_with_its_transaction_and_survives_a_takeover(
    persistence: Persistence, tenant: Tenant
) -> None:
    key = new_id("key")
    first = await _claim(persistence, tenant, key, NOW)
    await _bind(persistence, tenant, first, commit=False)
    assert await _bound(persistence, tenant, first) is None  # rolled back with its intent
    await _bind(persistence, tenant, first)
    assert await _bound(persistence, tenant, first) == BINDING

    retry = await _claim(persistence, tenant, key, NOW + IN_FLIGHT_LEASE_SECONDS)

    assert await _bound(persistence, tenant, retry) == BINDING
    with pytest.raises(IdempotencyClaimLost):  # the first request may not bind any more
        await _bind(persistence, tenant, first)


async def test_an_expired_key_forgets_its_binding(persistence: Persistence, tenant: Tenant) -> None:
    key = new_id("key")
    first = await _claim(persistence, tenant, key, NOW)
    await _bind(persistence, tenant, first)

    fresh = await _claim(persistence, tenant, key, NOW + RETENTION_SECONDS)

    assert await _bound(persistence, tenant, fresh) is None


async def test_a_completed_or_released_claim_cannot_bind(persistence: Persistence, tenant: Tenant) -> None:
    key = new_id("key")
    claim = await _claim(persistence, tenant, key, NOW)
    await persistence.idempotency_store.release(tenant, key, claimed_at=NOW)
    with pytest.raises(IdempotencyClaimLost):
        await _bind(persistence, tenant, claim)
    assert await _bound(persistence, tenant, claim) is None
