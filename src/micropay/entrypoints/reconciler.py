"""The automatic reconciliation loop that ``create_app`` runs in the background of every worker.

Every ``MICROPAY_RECONCILE_INTERVAL`` seconds (plus a random jitter of up to a tenth of it, at most 5 s,
so that several workers spread out) it opens a dishka request scope and runs one
``ReconcileStuckPayments`` pass. Several workers each running their own loop is safe: the directory query
only reads, a settled intent is a no-op for the next caller, and every transition is version-checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Final

from dishka import AsyncContainer

from micropay.domain.errors import MicropayError
from micropay.domain.use_cases.reconcile_stuck import ReconcileReport, ReconcileStuckPayments

log = logging.getLogger(__name__)

MAX_JITTER_SECONDS: Final = 5.0
PASS_LIMIT: Final = 100


class ReconcileLoop:
    """Starts with ``start()``, stops with ``stop()``; a failed pass is logged and the loop goes on."""

    def __init__(
        self,
        container: AsyncContainer,
        *,
        interval: float,
        older_than: int,
        limit: int = PASS_LIMIT,
        rng: random.Random | None = None,
    ) -> None:
        self._container = container
        self._interval = interval
        self._older_than = older_than
        self._limit = limit
        self._rng = rng or random.Random()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self._interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="micropay-reconcile")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_once(self) -> ReconcileReport:
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

    def _delay(self) -> float:
        return self._interval + self._rng.uniform(0.0, min(self._interval / 10, MAX_JITTER_SECONDS))

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._delay())
            try:
                await self.run_once()
            except MicropayError as exc:  # e.g. the database is down: try again next time
                log.warning("automatic reconcile pass failed: %s", exc.code)
            except Exception:  # a bug must not stop the reconciliation of every later payment
                log.exception("automatic reconcile pass failed unexpectedly")
