"""The background maintenance loop that ``create_app`` runs in every worker.

Every ``MICROPAY_RECONCILE_INTERVAL`` seconds (plus a random jitter of up to a tenth of it, at most 5 s,
so that several workers spread out) it opens a dishka request scope and runs, one after the other:

- one ``ReconcileStuckPayments`` pass (the automatic reconciliation);
- one ``PruneIdempotencyRecords`` pass (deletes idempotency records past their 24-hour retention);
- one ``PruneUnroutableCallbacks`` pass (deletes callbacks whose token matched nothing, past
  ``MICROPAY_UNROUTABLE_CALLBACK_RETENTION``).
- one ``PruneEvents`` pass (deletes events older than ``MICROPAY_EVENT_RETENTION_DAYS``).

Each task is guarded on its own: a failure of one is logged and does not skip the other or stop the loop.
Several workers each running their own loop is safe: each stuck intent is leased (compare-and-swap on
``reconciled_at``) before Daraja is asked, so it is queried at most once per ``older_than`` across them; a
settled intent is a no-op for the next caller, every transition is version-checked, and a pruned record is
deleted only once.
The settings keep their historical names (``reconcile_interval``); an interval of 0 turns the whole loop off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Final

from dishka import AsyncContainer

from micropay.domain.errors import MicropayError
from micropay.domain.use_cases.prune_events import DEFAULT_RETENTION_DAYS, PruneEvents
from micropay.domain.use_cases.prune_idempotency import PruneIdempotencyRecords
from micropay.domain.use_cases.prune_unroutable import DEFAULT_RETENTION_SECONDS, PruneUnroutableCallbacks
from micropay.domain.use_cases.reconcile_stuck import ReconcileReport, ReconcileStuckPayments

log = logging.getLogger(__name__)

MAX_JITTER_SECONDS: Final = 5.0
PASS_LIMIT: Final = 100


class MaintenanceLoop:
    """Starts with ``start()``, stops with ``stop()``; a failed task is logged and the loop goes on."""

    def __init__(
        self,
        container: AsyncContainer,
        *,
        interval: float,
        older_than: int,
        limit: int = PASS_LIMIT,
        rng: random.Random | None = None,
        unroutable_retention: int = DEFAULT_RETENTION_SECONDS,
        event_retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        self._container = container
        self._interval = interval
        self._older_than = older_than
        self._limit = limit
        self._unroutable_retention = unroutable_retention
        self._rng = rng or random.Random()
        self._event_retention_days = event_retention_days
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self._interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="micropay-maintenance")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_once(self) -> ReconcileReport:
        """One automatic reconciliation pass (kept under this name: it was the loop's only task)."""
        async with self._container() as request:
            use_case = await request.get(ReconcileStuckPayments)
            report = await use_case(older_than=self._older_than, limit=self._limit)
        if report.checked or report.skipped:
            log.info(
                "automatic reconcile: checked=%d settled=%d still_processing=%d failed_calls=%d skipped=%d",
                report.checked,
                report.settled,
                report.still_processing,
                report.failed_calls,
                report.skipped,
            )
        return report

    async def prune_once(self) -> int:
        """One pruning pass of the expired idempotency records; returns how many were deleted."""
        async with self._container() as request:
            prune = await request.get(PruneIdempotencyRecords)
            deleted = await prune()
        if deleted:
            log.info("idempotency prune: deleted=%d", deleted)
        return deleted

    async def prune_unroutable_once(self) -> int:
        """One pruning pass of the unroutable callbacks past their retention; returns how many were deleted."""
        async with self._container() as request:
            prune = await request.get(PruneUnroutableCallbacks)
            deleted = await prune(retention=self._unroutable_retention)
        if deleted:
            log.info("unroutable callbacks prune: deleted=%d", deleted)
        return deleted

    async def prune_events_once(self) -> int:
        """One pruning pass of the events past their retention; returns how many were deleted."""
        async with self._container() as request:
            prune = await request.get(PruneEvents)
            deleted = await prune(retention_days=self._event_retention_days)
        if deleted:
            log.info("event prune: deleted=%d", deleted)
        return deleted

    def _delay(self) -> float:
        return self._interval + self._rng.uniform(0.0, min(self._interval / 10, MAX_JITTER_SECONDS))

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._delay())
            await _guarded("automatic reconcile pass", self.run_once)
            await _guarded("idempotency prune", self.prune_once)
            await _guarded("unroutable callbacks prune", self.prune_unroutable_once)
            await _guarded("event prune", self.prune_events_once)


async def _guarded(name: str, task: Callable[[], Awaitable[object]]) -> None:
    try:
        await task()
    except MicropayError as exc:  # e.g. the database is down: try again next time
        log.warning("%s failed: %s", name, exc.code)
    except Exception:  # a bug must not stop every later pass
        log.exception("%s failed unexpectedly", name)
