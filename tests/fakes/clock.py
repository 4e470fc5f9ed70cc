"""A clock the test moves by hand."""

from __future__ import annotations

from typing import Final

from micropay.ports.clock import Clock

#: 2026-01-01T00:00:00Z: a fixed, realistic start so that ids and timestamps look like production ones.
DEFAULT_START: Final = 1_767_225_600.0


class FakeClock:
    """Time stands still until the test sets or advances it."""

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def set(self, now: float) -> None:
        self._now = float(now)

    def advance(self, seconds: float) -> float:
        """Move forward (never backward) and return the new time."""
        if seconds < 0:
            raise ValueError("a fake clock only moves forward; use set() to jump back on purpose")
        self._now += seconds
        return self._now


_: Clock = FakeClock()
