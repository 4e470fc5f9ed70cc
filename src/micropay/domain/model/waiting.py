"""When a wait for a payment intent is over (contract §11, ``GET /v1/payment_intents/{id}/wait``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.intent import TERMINAL, PaymentIntent

WAIT_TIMEOUT_MIN: Final = 1
WAIT_TIMEOUT_MAX: Final = 30
WAIT_TIMEOUT_DEFAULT: Final = 25


class WaitUntil(StrEnum):
    #: ``succeeded`` or ``canceled``: the statuses nothing moves an intent out of (contract §3).
    TERMINAL = "terminal"
    #: any transition after the version the caller has seen.
    CHANGE = "change"


class WaitCondition:
    """What the caller waits for, fixed once at the start: ``until`` and, for ``change``, the version seen."""

    __slots__ = ("after_version", "until")

    def __init__(self, until: WaitUntil, after_version: int | None) -> None:
        if after_version is not None and after_version < 0:
            raise InvalidParameter("version", "version must be 0 or more.")
        self.until = until
        self.after_version = after_version

    def pinned_to(self, intent: PaymentIntent) -> WaitCondition:
        """``change`` without a ``version`` waits for the next change after the intent as first read."""
        if self.until is WaitUntil.CHANGE and self.after_version is None:
            return WaitCondition(self.until, intent.version)
        return self

    def is_met_by(self, intent: PaymentIntent) -> bool:
        if self.until is WaitUntil.TERMINAL:
            return intent.status in TERMINAL
        return self.after_version is not None and intent.version > self.after_version


def check_wait_timeout(timeout: float) -> float:
    if not WAIT_TIMEOUT_MIN <= timeout <= WAIT_TIMEOUT_MAX:
        raise InvalidParameter("timeout", f"timeout must be between {WAIT_TIMEOUT_MIN} and {WAIT_TIMEOUT_MAX} seconds.")
    return timeout
