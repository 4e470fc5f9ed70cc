from __future__ import annotations

import time

from micropay.adapters.system import SystemClock
from micropay.ports.clock import Clock


def test_the_system_clock_reads_wall_time_in_epoch_seconds() -> None:
    clock: Clock = SystemClock()
    before = time.time()
    now = clock.now()
    after = time.time()
    assert isinstance(now, float)
    assert before <= now <= after
