"""PruneIdempotencyRecords: the 24-hour retention, applied in bounded batches, on the fakes."""

from __future__ import annotations

import pytest

from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.idempotency import RETENTION_SECONDS
from micropay.domain.use_cases.prune_idempotency import PruneIdempotencyRecords
from micropay.ports.errors import StorageUnavailable
from tests.fakes import FakeClock, FakeIdempotencyStore
from tests.fakes.database import InMemoryDatabase

A = Tenant(merchant_id="acct_a", environment=Environment.SANDBOX)
B = Tenant(merchant_id="acct_b", environment=Environment.PRODUCTION)
START = 1_767_225_600.0


class CountingStore(FakeIdempotencyStore):
    """The fake store, remembering each ``prune`` call's arguments."""

    def __init__(self, db: InMemoryDatabase) -> None:
        super().__init__(db)
        self.calls: list[tuple[float, int]] = []

    async def prune(self, *, created_before: float, limit: int) -> int:
        self.calls.append((created_before, limit))
        return await super().prune(created_before=created_before, limit=limit)


@pytest.fixture
def db() -> InMemoryDatabase:
    return InMemoryDatabase()


@pytest.fixture
def store(db: InMemoryDatabase) -> CountingStore:
    return CountingStore(db)


async def _claim(store: FakeIdempotencyStore, tenant: Tenant, key: str, at: float) -> None:
    assert await store.claim(tenant, key, "fp", at) is None


async def test_deletes_records_past_the_retention_of_every_tenant_and_keeps_the_rest(
    db: InMemoryDatabase, store: CountingStore
) -> None:
    await _claim(store, A, "old-a", START)
    await _claim(store, B, "old-b", START + 10)
    await _claim(store, A, "at-the-line", START + 20)
    await _claim(store, B, "young", START + 30)
    clock = FakeClock(START + 20 + RETENTION_SECONDS)

    assert await PruneIdempotencyRecords(store, clock)() == 2

    assert set(db.idempotency) == {(A, "at-the-line"), (B, "young")}
    assert store.calls == [(START + 20, 1000)]  # the cutoff is now minus the domain's retention


async def test_nothing_is_deleted_within_the_retention(db: InMemoryDatabase, store: CountingStore) -> None:
    await _claim(store, A, "k", START)

    assert await PruneIdempotencyRecords(store, FakeClock(START + RETENTION_SECONDS - 1))() == 0
    assert (A, "k") in db.idempotency


async def test_deletes_in_batches_and_stops_at_a_short_batch(db: InMemoryDatabase, store: CountingStore) -> None:
    for n in range(7):
        await _claim(store, A, f"k{n}", START + n)
    prune = PruneIdempotencyRecords(store, FakeClock(START + 2 * RETENTION_SECONDS))

    assert await prune(batch_size=3) == 7

    assert [limit for _, limit in store.calls] == [3, 3, 3]  # 3 + 3 + 1: the short batch ends the pass
    assert db.idempotency == {}


async def test_a_pass_is_bounded_and_the_next_one_goes_on(db: InMemoryDatabase, store: CountingStore) -> None:
    for n in range(10):
        await _claim(store, A, f"k{n}", START + n)
    prune = PruneIdempotencyRecords(store, FakeClock(START + 2 * RETENTION_SECONDS))

    assert await prune(batch_size=2, max_batches=3) == 6
    assert set(db.idempotency) == {(A, f"k{n}") for n in range(6, 10)}  # the oldest went first
    assert await prune(batch_size=2, max_batches=3) == 4
    assert db.idempotency == {}
    assert await prune(batch_size=0) == 0
    assert await prune(max_batches=0) == 0


async def test_a_database_that_is_down_is_storage_unavailable(db: InMemoryDatabase, store: CountingStore) -> None:
    db.down = True
    with pytest.raises(StorageUnavailable):
        await PruneIdempotencyRecords(store, FakeClock(START))()
