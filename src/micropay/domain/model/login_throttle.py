"""Login throttling per email (contract §10), as pure functions of the failures seen and the time.

The ``FREE_FAILURES``-th failure within any ``WINDOW_SECONDS`` locks the email for ``FIRST_LOCK_SECONDS``;
every further failure of that streak (possible only once a lock has passed) doubles the lock, capped at
``MAX_LOCK_SECONDS``. While locked, attempts are refused before any password is checked (429 with
``Retry-After``). A success clears the state; so does a quiet ``WINDOW_SECONDS`` after the last failure and
the end of the last lock.
"""

from __future__ import annotations

import hashlib
import math
from typing import Final

import msgspec

FREE_FAILURES: Final = 5
WINDOW_SECONDS: Final = 15 * 60
FIRST_LOCK_SECONDS: Final = 60
MAX_LOCK_SECONDS: Final = 3600


class ThrottleState(msgspec.Struct, frozen=True, kw_only=True):
    """``recent``: the times of the last failures (at most ``FREE_FAILURES``, oldest first);
    ``failures``: the length of the streak, which sets the lock's length; ``locked_until``: 0 if never locked."""

    recent: tuple[float, ...]
    failures: int
    locked_until: float = 0.0


def lock_seconds(failures: int) -> int:
    """How long the ``failures``-th failure of a streak locks: 0 below the threshold, then 60 s doubling to 1 h."""
    if failures < FREE_FAILURES:
        return 0
    doublings = min(failures - FREE_FAILURES, 16)  # 2**16 minutes is far past the cap already
    return int(min(FIRST_LOCK_SECONDS * 2**doublings, MAX_LOCK_SECONDS))


def current(state: ThrottleState | None, now: float) -> ThrottleState | None:
    """The state that still counts at ``now``: None once the window has passed quietly since the last event."""
    if state is None or not state.recent:
        return None
    quiet_since = max(state.recent[-1], state.locked_until)
    return None if now - quiet_since > WINDOW_SECONDS else state


def retry_after(state: ThrottleState | None, now: float) -> int | None:
    """Whole seconds until the email may try again, or None when it may try now."""
    live = current(state, now)
    if live is None or now >= live.locked_until:
        return None
    return max(1, math.ceil(live.locked_until - now))


def after_failure(state: ThrottleState | None, now: float) -> ThrottleState:
    """The state after a failed attempt at ``now`` (called only when ``retry_after`` allowed the attempt)."""
    live = current(state, now)
    previous = live.recent if live is not None else ()
    recent = (*(t for t in previous if now - t <= WINDOW_SECONDS), now)[-FREE_FAILURES:]
    streak = live.failures if live is not None else 0
    failures = streak + 1 if streak >= FREE_FAILURES else len(recent)
    lock = lock_seconds(failures)
    locked_until = now + lock if lock else (live.locked_until if live is not None else 0.0)
    return ThrottleState(recent=recent, failures=failures, locked_until=locked_until)


def throttle_key(email_key: str) -> str:
    """What the throttle is keyed by: a hash of the casefolded email, so its table holds no email."""
    return hashlib.sha256(b"micropay-login-throttle:" + email_key.encode()).hexdigest()
