from __future__ import annotations

from typing import Protocol

from micropay.domain.model.login_throttle import ThrottleState


class LoginThrottle(Protocol):
    """Failed-login bookkeeping per email (keyed by a hash of the casefolded email, never the email itself).

    ``record_failure`` is atomic per key: concurrent failures for one email are all counted. The rule of
    what a failure does is the domain's (``login_throttle.after_failure``). Raises ``StorageUnavailable``.
    """

    async def state(self, key: str) -> ThrottleState | None: ...

    async def record_failure(self, key: str, now: float) -> ThrottleState:
        """Apply one failure at ``now`` and return the new state."""
        ...

    async def clear(self, key: str) -> None: ...
