"""When a request is retried, and after how long (pure functions: the clients do the sleeping).

Retried: no response at all (connection refused, reset, timed out), 409 ``idempotency_key_in_use`` (the
first request with this key is still running), 429 and 503. Never any other 4xx (the same request would
fail the same way), nor a 500 or 502. A POST carries the same ``Idempotency-Key`` on every try, so a
retry after a lost answer cannot charge twice: the server replays the first answer.

The wait before retry ``n`` (0-based) is exponential with "equal jitter": half of
``min(max_delay, initial_delay * 2**n)`` plus a random part of the other half. A ``Retry-After`` from the
server is a floor: we never come back sooner; one longer than ``max_retry_after`` is not waited out (the
error is raised, with its ``retry_after``).
"""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

import msgspec

RETRYABLE_STATUSES = frozenset({429, 503})
RETRYABLE_CONFLICT_CODE = "idempotency_key_in_use"
_JITTER = random.Random()  # jitter, not a secret


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How many retries (2 by default) and how long between them.

    ``backoff=False`` retries at once, ignoring delays and ``Retry-After`` (for tests).
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    backoff: bool = True

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.initial_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("delays must be >= 0")

    def backoff_delay(self, retry_number: int, rng: random.Random | None = None) -> float:
        """The jittered exponential wait before retry ``retry_number`` (0 for the first retry)."""
        if not self.backoff:
            return 0.0
        ceiling = min(self.max_delay, self.initial_delay * (2.0**retry_number))
        return ceiling / 2 + (rng or _JITTER).uniform(0, ceiling / 2)

    def delay_after_response(
        self,
        retry_number: int,
        status: int,
        code: str | None,
        retry_after: float | None,
        rng: random.Random | None = None,
    ) -> float | None:
        """Seconds to wait before retrying this error response, or ``None``: do not retry it."""
        if retry_number >= self.max_retries or not is_retryable_status(status, code):
            return None
        if not self.backoff:
            return 0.0
        delay = self.backoff_delay(retry_number, rng)
        if retry_after is None:
            return delay
        if retry_after > self.max_retry_after:
            return None
        return max(delay, retry_after)

    def delay_after_connection_error(self, retry_number: int, rng: random.Random | None = None) -> float | None:
        if retry_number >= self.max_retries:
            return None
        return self.backoff_delay(retry_number, rng)


def is_retryable_status(status: int, code: str | None) -> bool:
    return status in RETRYABLE_STATUSES or (status == 409 and code == RETRYABLE_CONFLICT_CODE)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; ``None`` if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)
