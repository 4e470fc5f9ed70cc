"""The idempotency store contract, on SQLite and on Postgres; the rules themselves are the domain's."""

from __future__ import annotations

import asyncio

from micropay.adapters.persistence import Persistence
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.idempotency import (
    IN_FLIGHT_LEASE_SECONDS,
    RETENTION_SECONDS,
    Decision,
    StoredResponse,
    decide,
)
from tests.integration.persistence.builders import NOW, new_id, new_tenant

RESPONSE = StoredResponse(status=200, body=b'{"id": "pi_1", "object": "payment_intent"}\n\x00\xff')


async def test_first_claim_wins_then_the_key_is_in_flight(persistence: Persistence, tenant: Tenant) -> None:
    store, key = persistence.idempotency_store, new_id("idem")

    assert await store.claim(tenant, key, "fp", NOW) is None
    again = await store.claim(tenant, key, "fp", NOW + 1)

    assert again is not None
    assert (again.key, again.fingerprint, again.created_at, again.response) == (
        key,
        "fp",
        NOW,
        None,
    )
    assert decide(again, "fp", NOW + 1) is Decision.IN_FLIGHT


async def test_a_completed_key_replays_its_response_byte_for_byte(persistence: Persistence, tenant: Tenant) -> None:
    store, key = persistence.idempotency_store, new_id("idem")
    await store.claim(tenant, key, "fp", NOW)

    await store.complete(tenant, key, RESPONSE, claimed_at=NOW)
    again = await store.claim(tenant, key, "fp", NOW + 5)

    assert again is not None
    assert again.response == RESPONSE
    assert decide(again, "fp", NOW + 5) is Decision.REPLAY


async def test_another_request_with_the_same_key_is_a_mismatch(persistence: Persistence, tenant: Tenant) -> None:
    store, key = persistence.idempotency_store, new_id("idem")
    await store.claim(tenant, key, "fp", NOW)
    await store.complete(tenant, key, RESPONSE, claimed_at=NOW)

    other = await store.claim(tenant, key, "another body", NOW + 5)

    assert other is not None
    assert decide(other, "another body", NOW + 5) is Decision.MISMATCH


async def test_release_frees_an_in_flight_key_but_never_a_completed_one(
    persistence: Persistence, tenant: Tenant
) -> None:
    store, failed_key, done_key = persistence.idempotency_store, new_id("idem"), new_id("idem")
    await store.claim(tenant, failed_key, "fp", NOW)
    await store.claim(tenant, done_key, "fp", NOW)
    await store.complete(tenant, done_key, RESPONSE, claimed_at=NOW)

    await store.release(tenant, failed_key, claimed_at=NOW)
    await store.release(tenant, done_key, claimed_at=NOW)

    assert await store.claim(tenant, failed_key, "fp2", NOW + 1) is None
    kept = await store.claim(tenant, done_key, "fp", NOW + 1)
    assert kept is not None
    assert kept.response == RESPONSE


async def test_an_in_flight_claim_past_its_lease_is_taken_over(persistence: Persistence, tenant: Tenant) -> None:
    store, key = persistence.idempotency_store, new_id("idem")
    await store.claim(tenant, key, "fp", NOW)
    later = NOW + IN_FLIGHT_LEASE_SECONDS

    other_body = await store.claim(tenant, key, "other", later)
    taken = await store.claim(tenant, key, "fp", later)
    after = await store.claim(tenant, key, "fp", later + 1)

    assert other_body is not None
    assert decide(other_body, "other", later) is Decision.MISMATCH
    assert taken is None
    assert after is not None
    assert (after.created_at, after.response) == (later, None)


async def test_only_the_holder_completes_or_releases_after_a_take_over(
    persistence: Persistence, tenant: Tenant
) -> None:
    store, completed_key, released_key = persistence.idempotency_store, new_id("idem"), new_id("idem")
    later = NOW + IN_FLIGHT_LEASE_SECONDS
    for key in (completed_key, released_key):
        assert await store.claim(tenant, key, "fp", NOW) is None
        assert await store.claim(tenant, key, "fp", later) is None  # the first claim outlived its lease

    # the first holders come back late: neither their response nor their release may land
    stale = StoredResponse(status=201, body=b'{"stale": true}')
    for key in (completed_key, released_key):
        await store.complete(tenant, key, stale, claimed_at=NOW)
        await store.release(tenant, key, claimed_at=NOW)
        in_flight = await store.claim(tenant, key, "fp", later + 1)
        assert in_flight is not None
        assert (in_flight.created_at, in_flight.response) == (later, None)

    # the new holders' work stands, whatever the old ones do afterwards
    await store.complete(tenant, completed_key, RESPONSE, claimed_at=later)
    await store.release(tenant, released_key, claimed_at=later)
    await store.release(tenant, completed_key, claimed_at=NOW)
    await store.complete(tenant, released_key, stale, claimed_at=NOW)
    replay = await store.claim(tenant, completed_key, "fp", later + 2)
    assert replay is not None
    assert (replay.created_at, replay.response) == (later, RESPONSE)
    assert await store.claim(tenant, released_key, "fp", later + 2) is None  # released: free again


async def test_an_expired_record_is_replaced_by_a_new_claim(persistence: Persistence, tenant: Tenant) -> None:
    store, key = persistence.idempotency_store, new_id("idem")
    await store.claim(tenant, key, "fp", NOW)
    await store.complete(tenant, key, RESPONSE, claimed_at=NOW)
    later = NOW + RETENTION_SECONDS

    assert await store.claim(tenant, key, "a different body", later) is None
    fresh = await store.claim(tenant, key, "a different body", later + 1)

    assert fresh is not None
    assert (fresh.fingerprint, fresh.created_at, fresh.response) == (
        "a different body",
        later,
        None,
    )


async def test_keys_are_scoped_per_merchant_and_environment(persistence: Persistence, tenant: Tenant) -> None:
    store, key = persistence.idempotency_store, new_id("idem")
    await store.claim(tenant, key, "fp", NOW)
    await store.complete(tenant, key, RESPONSE, claimed_at=NOW)

    assert await store.claim(new_tenant(), key, "fp", NOW) is None
    assert (
        await store.claim(Tenant(merchant_id=tenant.merchant_id, environment=Environment.PRODUCTION), key, "fp", NOW)
        is None
    )
    mine = await store.claim(tenant, key, "fp", NOW)
    assert mine is not None
    assert mine.response == RESPONSE


async def test_concurrent_claims_of_one_key_have_exactly_one_winner(persistence: Persistence, tenant: Tenant) -> None:
    store, key = persistence.idempotency_store, new_id("idem")

    results = await asyncio.gather(*(store.claim(tenant, key, "fp", NOW) for _ in range(8)))

    assert sum(result is None for result in results) == 1


async def test_concurrent_takeovers_of_an_expired_key_have_exactly_one_winner(
    persistence: Persistence, tenant: Tenant
) -> None:
    store, key = persistence.idempotency_store, new_id("idem")
    await store.claim(tenant, key, "fp", NOW)
    later = NOW + RETENTION_SECONDS

    results = await asyncio.gather(*(store.claim(tenant, key, "fp", later) for _ in range(8)))

    assert sum(result is None for result in results) == 1
    assert all(decide(result, "fp", later) is Decision.IN_FLIGHT for result in results if result is not None)
