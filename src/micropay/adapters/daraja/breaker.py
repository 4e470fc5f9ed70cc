"""``BreakingDarajaGateway``: a circuit breaker per credentials used (environment, shortcode, consumer key).

Keyed by the credentials actually sent, not by the shortcode alone: every sandbox merchant shares Safaricom's
test shortcode 174379, so a per-shortcode circuit let one merchant's failures (one customer's number that
times out) open the circuit for all of them. The consumer key names the Daraja app whose calls fail; it is
kept only as a short SHA-256 digest in the key (shown by /readyz), never as such, and never the secret.

The rule itself is the pure one in ``micropay.domain.model.circuit_breaker``; this decorator only keeps
the state per key and tells the rule what happened:

- a push not sent or whose answer was lost, and a query raising ``ProviderUnavailable``, are failures
  (Daraja did not answer usefully);
- an accepted push, a pending or final query are successes;
- a push rejected for a customer reason or refused as misconfigured, and a query raising
  ``ProviderConfigurationError``, are no verdict on Daraja's health (they say something about one customer
  or one merchant's setup): a probe is released so another call may probe;
- a call that ends any other way (cancelled, a bug) also releases its probe, so the circuit never sticks
  half-open.

While a circuit is open a push answers ``PushNotSent(circuit_open=True, retry_after=…)`` and a query raises
``CircuitOpen(retry_after=…)``, without reaching Daraja.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Final, TypeVar

from micropay.domain.model import circuit_breaker as rule
from micropay.domain.model.circuit_breaker import BreakerPolicy, CircuitBreaker
from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Environment
from micropay.domain.model.push import PushAccepted, PushAnswerLost, PushNotSent, PushVerdict
from micropay.ports.clock import Clock
from micropay.ports.daraja_gateway import (
    CircuitOpen,
    DarajaGateway,
    ProviderUnavailable,
    QueryFinal,
    QueryPending,
    StkPushRequest,
)

T = TypeVar("T")

_OPEN_MESSAGE: Final = "Daraja is failing for these credentials (shortcode); the circuit is open."


class _Health(Enum):
    """What one call says about Daraja's health."""

    SUCCESS = "success"
    FAILURE = "failure"
    NO_VERDICT = "no_verdict"


def _push_health(verdict: PushVerdict) -> _Health:
    match verdict:
        case PushAccepted():
            return _Health.SUCCESS
        case PushNotSent() | PushAnswerLost():
            return _Health.FAILURE
        case _:  # rejected for a customer reason, or the merchant's setup refused
            return _Health.NO_VERDICT


def _query_health(_: QueryPending | QueryFinal) -> _Health:
    return _Health.SUCCESS


class BreakingDarajaGateway(DarajaGateway):
    """Fails fast while a circuit is open: a not-sent push, or a query raising ``CircuitOpen``.

    ``CircuitOpen`` is a ``ProviderUnavailable`` for every caller that does not care about the difference.
    """

    def __init__(self, inner: DarajaGateway, clock: Clock, policy: BreakerPolicy = BreakerPolicy()) -> None:
        self._inner = inner
        self._clock = clock
        self._policy = policy
        self._breakers: dict[str, CircuitBreaker] = {}

    def __repr__(self) -> str:
        return f"BreakingDarajaGateway({self.snapshot()!r})"

    async def stk_push(self, credentials: DarajaCredentials, request: StkPushRequest) -> PushVerdict:
        key = circuit_key(request.environment, credentials)
        try:
            return await self._guarded(key, lambda: self._inner.stk_push(credentials, request), _push_health)
        except CircuitOpen as refused:  # never reached Daraja: a verdict like any other not-sent push
            return PushNotSent(reason=refused.message, retry_after=refused.retry_after, circuit_open=True)

    async def stk_query(
        self, credentials: DarajaCredentials, environment: Environment, checkout_request_id: str
    ) -> QueryPending | QueryFinal:
        key = circuit_key(environment, credentials)
        return await self._guarded(
            key, lambda: self._inner.stk_query(credentials, environment, checkout_request_id), _query_health
        )

    def snapshot(self) -> dict[str, str]:
        """``{"sandbox:174379:1a2b3c4d": "closed" | "open" | "half_open"}`` for every circuit seen (/readyz)."""
        now = self._clock.now()
        return {key: breaker.state(now).value for key, breaker in sorted(self._breakers.items())}

    async def _guarded(self, key: str, call: Callable[[], Awaitable[T]], health: Callable[[T], _Health]) -> T:
        now = self._clock.now()
        before = self._breaker(key)
        breaker, allowed = rule.before_call(before, now)
        self._breakers[key] = breaker
        if not allowed:
            retry_after = max(1.0, float(math.ceil(breaker.retry_after(now))))
            raise CircuitOpen(_OPEN_MESSAGE, retry_after=retry_after)
        is_probe = breaker.probe_in_flight and not before.probe_in_flight
        try:
            result = await call()
        except ProviderUnavailable:
            self._record(key, is_probe, _Health.FAILURE)
            raise
        except BaseException:  # ProviderConfigurationError, cancellation, a bug: no verdict
            self._record(key, is_probe, _Health.NO_VERDICT)
            raise
        self._record(key, is_probe, health(result))
        return result

    def _record(self, key: str, is_probe: bool, health: _Health) -> None:
        match health:
            case _Health.SUCCESS:
                self._settle(key, is_probe, lambda b: rule.record_success(b, self._clock.now()))
            case _Health.FAILURE:
                self._settle(key, is_probe, lambda b: rule.record_failure(b, self._clock.now()))
            case _Health.NO_VERDICT:
                self._settle(key, is_probe, rule.release_probe)

    def _settle(self, key: str, is_probe: bool, verdict: Callable[[CircuitBreaker], CircuitBreaker]) -> None:
        current = self._breaker(key)
        if current.opened_at is not None and not is_probe:
            return  # a call that started before the circuit opened says nothing about now: the probe decides
        self._breakers[key] = verdict(current)

    def _breaker(self, key: str) -> CircuitBreaker:
        found = self._breakers.get(key)
        return found if found is not None else CircuitBreaker(policy=self._policy)


#: Hex digits of the consumer key's SHA-256 kept in a circuit's key: enough to tell apps apart, not to find one.
KEY_DIGEST_LENGTH: Final = 8


def circuit_key(environment: Environment, credentials: DarajaCredentials) -> str:
    """``"<environment>:<shortcode>:<digest of the consumer key>"``: one circuit per Daraja app and shortcode."""
    digest = hashlib.sha256(credentials.consumer_key.encode()).hexdigest()[:KEY_DIGEST_LENGTH]
    return f"{environment.value}:{credentials.business_short_code}:{digest}"
