"""``WebhookDispatcher``: the background job that sends due webhook deliveries (contract §9).

``create_app`` starts one in every API process, ``micropay webhooks run`` runs one on its own. Any number may
run against one database: each due delivery is leased to exactly one of them by the queue (``FOR UPDATE
SKIP LOCKED`` on Postgres), and a lease whose process died runs out, so the delivery is due again.

Concurrency is bounded twice: at most ``concurrency`` attempts in flight, and at most ``per_endpoint`` for
one endpoint, so a slow receiver cannot hold up the others (a claim over its limit is handed back at once,
due again a second later). ``stop()`` stops claiming, lets in-flight attempts finish for up to ``grace``
seconds, then cancels the rest and releases their leases (due again at once, at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from typing import Final

from micropay.domain.errors import MicropayError
from micropay.domain.use_cases.webhooks.deliver import AttemptDelivery
from micropay.ports.clock import Clock
from micropay.ports.delivery_queue import Claim, DeliveryQueue
from micropay.ports.id_generator import IdGenerator

log = logging.getLogger(__name__)

BUSY_ENDPOINT_BACKOFF: Final = 1


class WebhookDispatcher:
    """Starts with ``start()``, stops with ``stop()``; ``run_once()`` claims and completes one batch (tests)."""

    def __init__(
        self,
        queue: DeliveryQueue,
        attempt: AttemptDelivery,
        clock: Clock,
        ids: IdGenerator,
        *,
        lease_seconds: int,
        concurrency: int = 16,
        per_endpoint: int = 4,
        poll_interval: float = 1.0,
        grace: float = 5.0,
    ) -> None:
        self._queue = queue
        self._attempt = attempt
        self._clock = clock
        self._ids = ids
        self._lease_seconds = lease_seconds
        self._concurrency = max(1, concurrency)
        self._per_endpoint = max(1, per_endpoint)
        self._poll_interval = poll_interval
        self._grace = grace
        self._inflight: dict[asyncio.Task[None], Claim] = {}
        self._by_endpoint: Counter[str] = Counter()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._slot_freed = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

    async def start(self) -> None:
        if self._loop_task is None:
            self._stopping.clear()
            self._loop_task = asyncio.create_task(self._loop(), name="micropay-webhook-dispatcher")

    async def stop(self) -> None:
        task, self._loop_task = self._loop_task, None
        self._stopping.set()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._drain()

    async def run_once(self) -> int:
        """Claim what is due (up to the free capacity), wait for those attempts; returns how many were started."""
        started = await self._claim_and_start()
        while self._inflight:
            await asyncio.wait(list(self._inflight))
        return started

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                started = await self._claim_and_start()
            except MicropayError as exc:  # the database is down: try again later
                log.warning("webhook dispatcher: claim failed: %s", exc.code)
                started = 0
            except Exception:  # a bug must not stop every later pass
                log.exception("webhook dispatcher: claim failed unexpectedly")
                started = 0
            if started == 0 or len(self._inflight) >= self._concurrency:
                self._slot_freed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._slot_freed.wait(), self._poll_interval)

    async def _claim_and_start(self) -> int:
        free = self._concurrency - len(self._inflight)
        if free <= 0:
            return 0
        now = int(self._clock.now())
        claims = await self._queue.claim(
            now=now, lease_until=now + self._lease_seconds, limit=free, lease_token=self._ids.new_secret(24)
        )
        busy: list[Claim] = []
        started = 0
        for claim in claims:
            if self._by_endpoint[claim.endpoint_id] >= self._per_endpoint:
                busy.append(claim)
                continue
            self._by_endpoint[claim.endpoint_id] += 1
            task = asyncio.create_task(self._run(claim), name=f"webhook-{claim.delivery_id}")
            self._inflight[task] = claim
            task.add_done_callback(self._done)
            started += 1
        if busy:
            await self._queue.release(busy, until=now + BUSY_ENDPOINT_BACKOFF)
        return started

    async def _run(self, claim: Claim) -> None:
        try:
            await self._attempt(claim.tenant, claim.delivery_id, claim.lease_token)
        except MicropayError as exc:  # e.g. the database failed: the lease runs out and it is due again
            log.warning("webhook delivery %s: attempt failed: %s", claim.delivery_id, exc.code)
        except Exception:
            log.exception("webhook delivery %s: attempt failed unexpectedly", claim.delivery_id)

    def _done(self, task: asyncio.Task[None]) -> None:
        claim = self._inflight.pop(task, None)
        if claim is not None:
            self._by_endpoint[claim.endpoint_id] -= 1
            if self._by_endpoint[claim.endpoint_id] <= 0:
                del self._by_endpoint[claim.endpoint_id]
        self._slot_freed.set()

    async def _drain(self) -> None:
        if not self._inflight:
            return
        tasks = dict(self._inflight)
        _, pending = await asyncio.wait(list(tasks), timeout=self._grace)
        if not pending:
            return
        for task in pending:
            task.cancel()
        await asyncio.wait(pending)
        unfinished = [tasks[task] for task in pending]
        try:
            await self._queue.release(unfinished, until=int(self._clock.now()))
        except MicropayError as exc:  # their leases run out instead
            log.warning("webhook dispatcher: release on shutdown failed: %s", exc.code)
        log.info("webhook dispatcher: released %d unfinished attempt(s) on shutdown", len(unfinished))
