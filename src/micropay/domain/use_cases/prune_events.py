"""Delete the events past their retention (``MICROPAY_EVENT_RETENTION_DAYS``, default 30 days)."""

from __future__ import annotations

from typing import Final

from micropay.ports.clock import Clock
from micropay.ports.event_pruner import EventPruner

DEFAULT_RETENTION_DAYS: Final = 30
DAY_SECONDS: Final = 86_400
BATCH_SIZE: Final = 1000
MAX_BATCHES: Final = 10


class PruneEvents:
    """One pruning pass over every tenant's events.

    Rules:
    - an event is kept at least ``retention_days`` days: the cutoff is now minus that, computed once per pass,
      and only events created strictly before it are deleted; a retention below one day is refused;
    - batches of ``batch_size`` (each its own transaction), at most ``max_batches`` per pass, stopping at the
      first short batch: a pass is bounded and a backlog shrinks pass by pass;
    - safe with several workers: an event is deleted once, the others count 0.

    Returns how many events this pass deleted.
    """

    def __init__(self, pruner: EventPruner, clock: Clock) -> None:
        self._pruner = pruner
        self._clock = clock

    async def __call__(
        self,
        *,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        batch_size: int = BATCH_SIZE,
        max_batches: int = MAX_BATCHES,
    ) -> int:
        if retention_days < 1:
            raise ValueError("Events are kept at least one day.")
        if batch_size <= 0:
            return 0
        cutoff = int(self._clock.now()) - retention_days * DAY_SECONDS
        deleted = 0
        for _ in range(max(max_batches, 0)):
            removed = await self._pruner.prune(created_before=cutoff, limit=batch_size)
            deleted += removed
            if removed < batch_size:
                break
        return deleted
