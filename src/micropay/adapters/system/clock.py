from __future__ import annotations

import time

from micropay.ports.clock import Clock


class SystemClock(Clock):
    """The wall clock (``time.time``)."""

    def now(self) -> float:
        return time.time()
