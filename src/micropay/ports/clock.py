from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    """The only source of time for the core, so tests can replay exactly."""

    def now(self) -> float:
        """Seconds since the Unix epoch (wall clock)."""
        ...
