"""The background maintenance loop also prunes expired idempotency records, whatever the reconciliation does."""

from __future__ import annotations

import asyncio
import logging

import pytest
from dishka import Provider, Scope, make_async_container, provide

from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.idempotency import RETENTION_SECONDS
from micropay.domain.use_cases.prune_idempotency import PruneIdempotencyRecords
from micropay.domain.use_cases.reconcile_stuck import ReconcileReport, ReconcileStuckPayments
from micropay.entrypoints.reconciler import MaintenanceLoop
from tests.fakes import FakeClock, FakeIdempotencyStore
from tests.fakes.database import InMemoryDatabase

TENANT = Tenant(merchant_id="acct_a", environment=Environment.SANDBOX)
START = 1_767_225_600.0


class _BrokenReconcile:
    """A reconciliation pass that always fails (a bug): pruning must still happen."""

    async def __call__(self, *, older_than: int = 60, limit: int = 100) -> ReconcileReport:
        raise RuntimeError("a bug")


class _SignallingPrune(PruneIdempotencyRecords):
    """The real use case, which sets ``pruned`` once a pass has deleted something."""

    def __init__(self, store: FakeIdempotencyStore, clock: FakeClock, pruned: asyncio.Event) -> None:
        super().__init__(store, clock)
        self.pruned = pruned

    async def __call__(self, *, batch_size: int = 1000, max_batches: int = 10) -> int:
        deleted = await super().__call__(batch_size=batch_size, max_batches=max_batches)
        if deleted:
            self.pruned.set()
        return deleted


class _Provider(Provider):
    scope = Scope.REQUEST

    def __init__(self, store: FakeIdempotencyStore, clock: FakeClock) -> None:
        super().__init__()
        self._store, self._clock = store, clock
        self.pruned = asyncio.Event()

    @provide
    def reconcile_stuck(self) -> ReconcileStuckPayments:
        return _BrokenReconcile()  # type: ignore[return-value]

    @provide
    def prune(self) -> PruneIdempotencyRecords:
        return _SignallingPrune(self._store, self._clock, self.pruned)


async def test_each_pass_prunes_expired_records_even_when_the_reconciliation_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = InMemoryDatabase()
    store, clock = FakeIdempotencyStore(db), FakeClock(START + RETENTION_SECONDS + 1)
    assert await store.claim(TENANT, "expired", "fp", START) is None
    assert await store.claim(TENANT, "fresh", "fp", clock.now()) is None
    provider = _Provider(store, clock)
    container = make_async_container(provider)
    loop = MaintenanceLoop(container, interval=0.01, older_than=0)
    try:
        with caplog.at_level(logging.INFO, logger="micropay.entrypoints.reconciler"):
            await loop.start()
            await asyncio.wait_for(provider.pruned.wait(), timeout=10)
            await loop.stop()
    finally:
        await container.close()

    assert set(db.idempotency) == {(TENANT, "fresh")}
    messages = [record.getMessage() for record in caplog.records]
    assert "automatic reconcile pass failed unexpectedly" in messages
    assert "idempotency prune: deleted=1" in messages


async def test_prune_once_reports_how_many_and_the_old_name_is_the_same_loop() -> None:
    db = InMemoryDatabase()
    store, clock = FakeIdempotencyStore(db), FakeClock(START + 2 * RETENTION_SECONDS)
    for key in ("a", "b"):
        assert await store.claim(TENANT, key, "fp", START) is None
    container = make_async_container(_Provider(store, clock))
    try:
        loop = MaintenanceLoop(container, interval=0, older_than=0)
        assert await loop.prune_once() == 2
        assert await loop.prune_once() == 0
    finally:
        await container.close()
