"""Delete the unroutable callbacks (unknown URL token) past their retention (issue 10, defect 5)."""

from __future__ import annotations

from typing import Final

from micropay.ports.clock import Clock
from micropay.ports.tenant_directory import TenantDirectory

DEFAULT_RETENTION_SECONDS: Final = 7 * 24 * 3600
BATCH_SIZE: Final = 1000
MAX_BATCHES: Final = 10


class PruneUnroutableCallbacks:
    """One pruning pass over the callbacks kept because their token matched nothing.

    Rules:
    - a row received before now minus ``retention`` seconds is deleted; a younger one never is;
    - in batches of ``batch_size`` (each one statement), at most ``max_batches`` per pass, stopping at the
      first short batch: a pass is bounded, a backlog shrinks pass by pass;
    - safe to run concurrently (several workers): a row is deleted once.

    Returns how many rows this pass deleted.
    """

    def __init__(self, directory: TenantDirectory, clock: Clock) -> None:
        self._directory = directory
        self._clock = clock

    async def __call__(
        self,
        *,
        retention: int = DEFAULT_RETENTION_SECONDS,
        batch_size: int = BATCH_SIZE,
        max_batches: int = MAX_BATCHES,
    ) -> int:
        if batch_size <= 0:
            return 0
        cutoff = int(self._clock.now()) - max(retention, 0)
        deleted = 0
        for _ in range(max(max_batches, 0)):
            removed = await self._directory.prune_unroutable_callbacks(received_before=cutoff, limit=batch_size)
            deleted += removed
            if removed < batch_size:
                break
        return deleted
