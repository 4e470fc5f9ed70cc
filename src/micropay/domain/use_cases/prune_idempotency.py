"""Delete the idempotency records past their retention (docs/api.md: keys are kept 24 hours)."""

from __future__ import annotations

from typing import Final

from micropay.domain.model.idempotency import RETENTION_SECONDS
from micropay.ports.clock import Clock
from micropay.ports.idempotency_store import IdempotencyStore

BATCH_SIZE: Final = 1000
MAX_BATCHES: Final = 10


class PruneIdempotencyRecords:
    """One pruning pass: delete the records of every tenant created more than ``RETENTION_SECONDS`` ago.

    Rules:
    - the cutoff (now minus the domain's ``RETENTION_SECONDS``) is computed once per pass; a record created
      at or after it (still replayable, or in flight) is never deleted, whatever its tenant;
    - it deletes in batches of ``batch_size`` (each its own short transaction), at most ``max_batches`` per
      pass, and stops early once a batch comes back short: a pass is bounded, a backlog shrinks pass by pass;
    - it is safe to run concurrently (several workers): a record is deleted once, the others count 0.

    Returns how many records this pass deleted.
    """

    def __init__(self, store: IdempotencyStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def __call__(self, *, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES) -> int:
        if batch_size <= 0:
            return 0
        cutoff = self._clock.now() - RETENTION_SECONDS
        deleted = 0
        for _ in range(max(max_batches, 0)):
            removed = await self._store.prune(created_before=cutoff, limit=batch_size)
            deleted += removed
            if removed < batch_size:
                break
        return deleted
