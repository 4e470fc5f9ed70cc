"""The maintenance loop also prunes unroutable callbacks past their retention (issue 10, defect 5)."""

from __future__ import annotations

import asyncio

from dishka import Provider, Scope, make_async_container, provide

from micropay.domain.use_cases.prune_idempotency import PruneIdempotencyRecords
from micropay.domain.use_cases.prune_unroutable import PruneUnroutableCallbacks
from micropay.domain.use_cases.reconcile_stuck import ReconcileReport, ReconcileStuckPayments
from micropay.entrypoints.reconciler import MaintenanceLoop
from tests.fakes import FakeClock, FakeIdempotencyStore
from tests.fakes.database import InMemoryDatabase
from tests.fakes.tenant_directory import FakeTenantDirectory

DAY = 24 * 3600
NOW = 1_767_225_600.0


class _NothingStuck:
    async def __call__(self, *, older_than: int = 60, limit: int = 100) -> ReconcileReport:
        return ReconcileReport()


class _Provider(Provider):
    scope = Scope.REQUEST

    def __init__(self, db: InMemoryDatabase, clock: FakeClock) -> None:
        super().__init__()
        self._db, self._clock = db, clock

    @provide
    def reconcile_stuck(self) -> ReconcileStuckPayments:
        return _NothingStuck()  # type: ignore[return-value]

    @provide
    def prune_idempotency(self) -> PruneIdempotencyRecords:
        return PruneIdempotencyRecords(FakeIdempotencyStore(self._db), self._clock)

    @provide
    def prune_unroutable(self) -> PruneUnroutableCallbacks:
        return PruneUnroutableCallbacks(FakeTenantDirectory(self._db), self._clock)


async def test_each_pass_deletes_the_unroutable_callbacks_older_than_the_retention() -> None:
    db, clock = InMemoryDatabase(), FakeClock(NOW)
    directory = FakeTenantDirectory(db)
    for age_days in (10, 8, 6, 1):
        await directory.record_unroutable_callback("abcdef", {"age_days": age_days}, int(NOW) - age_days * DAY)
    container = make_async_container(_Provider(db, clock))
    loop = MaintenanceLoop(container, interval=0.01, older_than=0, unroutable_retention=7 * DAY)
    try:
        await loop.start()
        for _ in range(500):
            if len(db.unroutable_callbacks) == 2:
                break
            await asyncio.sleep(0.01)
        await loop.stop()
        assert [c.body["age_days"] for c in db.unroutable_callbacks] == [6, 1]
        assert await loop.prune_unroutable_once() == 0  # nothing more is past the retention
    finally:
        await container.close()
