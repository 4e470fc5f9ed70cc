"""The circuit-breaker rule, pure over an injected clock.

More than ``max_failures`` (5) failures within ``window`` (60 s) open the circuit for ``cooldown`` (30 s):
the 6th failure in a minute opens it. While open, calls fail fast without touching the network. After the
cooldown exactly one probe call is let through (half-open); its success closes the circuit, its failure
opens it again for another cooldown.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class BreakerPolicy(msgspec.Struct, frozen=True, kw_only=True):
    max_failures: int = 5
    window: float = 60.0
    cooldown: float = 30.0


class CircuitBreaker(msgspec.Struct, frozen=True, kw_only=True):
    """Immutable breaker state; each function returns the next state."""

    policy: BreakerPolicy = BreakerPolicy()
    failures: tuple[float, ...] = ()
    opened_at: float | None = None
    probe_in_flight: bool = False

    def state(self, now: float) -> BreakerState:
        if self.opened_at is None:
            return BreakerState.CLOSED
        if now - self.opened_at < self.policy.cooldown:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def retry_after(self, now: float) -> float:
        """Seconds until a call may be tried again (0 when one may be tried now)."""
        if self.opened_at is None:
            return 0.0
        if self.probe_in_flight and self.state(now) is BreakerState.HALF_OPEN:
            return 1.0
        return max(0.0, self.opened_at + self.policy.cooldown - now)


def before_call(breaker: CircuitBreaker, now: float) -> tuple[CircuitBreaker, bool]:
    """May a call go out now? In half-open state only the first caller (the probe) may."""
    state = breaker.state(now)
    if state is BreakerState.CLOSED:
        return breaker, True
    if state is BreakerState.OPEN or breaker.probe_in_flight:
        return breaker, False
    return msgspec.structs.replace(breaker, probe_in_flight=True), True


def record_success(breaker: CircuitBreaker, now: float) -> CircuitBreaker:
    """A success closes the circuit (a probe's success, or any success while closed) and forgets failures."""
    if breaker.opened_at is not None and not breaker.probe_in_flight:
        return breaker  # a call from before the circuit opened: it proves nothing about now
    return CircuitBreaker(policy=breaker.policy)


def record_failure(breaker: CircuitBreaker, now: float) -> CircuitBreaker:
    """A failure counts within the window; the (max+1)th opens the circuit, a failed probe reopens it."""
    if breaker.opened_at is not None:
        if breaker.probe_in_flight:
            return msgspec.structs.replace(breaker, opened_at=now, probe_in_flight=False, failures=())
        return breaker
    recent = (*(t for t in breaker.failures if now - t < breaker.policy.window), now)
    if len(recent) > breaker.policy.max_failures:
        return msgspec.structs.replace(breaker, failures=(), opened_at=now, probe_in_flight=False)
    return msgspec.structs.replace(breaker, failures=recent)


def release_probe(breaker: CircuitBreaker) -> CircuitBreaker:
    """The probe ended without a verdict on Daraja's health (say, a customer rejection): let another probe try."""
    if breaker.probe_in_flight:
        return msgspec.structs.replace(breaker, probe_in_flight=False)
    return breaker
