"""Backoff for the (safe to repeat) STK push query. Never used for the push itself."""

from __future__ import annotations

from collections.abc import Callable

import msgspec


class QueryBackoff(msgspec.Struct, frozen=True, kw_only=True):
    """``attempts`` tries in all; exponential delays from ``base_delay`` capped at ``max_delay``.

    With ``jitter`` the delay is drawn uniformly from ``[0, delay]`` ("full jitter"), so that many
    reconcilers do not retry in step; tests switch it off to get exact delays.
    """

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 4.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("backoff needs at least one attempt and non-negative delays")

    def delay(self, retry: int, random: Callable[[], float]) -> float:
        """The pause before retry number ``retry`` (0 for the first retry)."""
        ceiling = float(min(self.max_delay, self.base_delay * 2.0**retry))
        return ceiling * float(random()) if self.jitter else ceiling
