from __future__ import annotations

from typing import Protocol


class EventPruner(Protocol):
    """Deletes old events across tenants (the retention rule is the domain's: ``PruneEvents``).

    Raises ``StorageUnavailable`` when the database fails.
    """

    async def prune(self, *, created_before: int, limit: int) -> int:
        """Delete at most ``limit`` events created strictly before ``created_before``, oldest first.

        Returns how many were deleted; newer events are never touched.
        """
        ...
