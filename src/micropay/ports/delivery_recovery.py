from __future__ import annotations

from typing import Protocol


class DeliveryRecovery(Protocol):
    """Rescheduling an endpoint's deliveries, in the unit of work's transaction (tenant-scoped)."""

    async def reschedule(self, endpoint_id: str, *, since: int, until: int, now: int) -> int:
        """Make every failed (or never attempted) delivery of the endpoint created in [since, until] due at
        ``now`` with a fresh schedule; returns how many."""
        ...
