"""Webhook endpoints and deliveries (contract §9): the data, and the rules as pure functions of attempts and time.

- ``matches``: which endpoints an event goes to.
- ``next_attempt_at``: the retry schedule (with jitter and a receiver's ``Retry-After``), or None when spent.
- ``should_disable``: the "failing for 5 days" rule.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec

from micropay.domain.model.environment import Environment
from micropay.domain.model.events import EventType

ENDPOINT_PREFIX: Final = "we"
DELIVERY_PREFIX: Final = "wd"
SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES: Final = 32

#: Seconds after the previous attempt: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
RETRY_SCHEDULE: Final = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_ATTEMPTS: Final = len(RETRY_SCHEDULE)
#: Jitter: each delay is stretched by up to this fraction, so that a burst of failures does not retry in lockstep.
JITTER_FRACTION: Final = 0.1
FAILING_FOR_SECONDS: Final = 5 * 86400
FAILURE_SPREAD_SECONDS: Final = 12 * 3600
MAX_ROTATION_OVERLAP: Final = 86400
RECOVER_WINDOW_SECONDS: Final = 14 * 86400
MAX_ENABLED_EVENTS: Final = 50
MAX_DESCRIPTION: Final = 500


class EndpointStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class DisabledReason(StrEnum):
    GONE = "gone"  # the receiver answered 410
    FAILING = "failing"  # every delivery failed for 5 days
    MANUAL = "manual"  # the merchant disabled it


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SigningSecret(msgspec.Struct, frozen=True, kw_only=True):
    """One signing secret (the raw 32 bytes) and when it stops signing (None: until rotated)."""

    key: bytes
    expires_at: int | None = None

    def __repr__(self) -> str:
        return f"SigningSecret(expires_at={self.expires_at!r})"

    __str__ = __repr__

    def live_at(self, now: int) -> bool:
        return self.expires_at is None or self.expires_at > now


class WebhookEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    """A merchant's URL for one environment. The secrets are held sealed by the repository, not here."""

    id: str
    merchant_id: str
    environment: Environment
    url: str
    enabled_events: tuple[str, ...]
    description: str | None
    status: EndpointStatus
    disabled_reason: DisabledReason | None
    created: int
    failing_since: int | None = None  # first failed attempt since the last success
    last_failure_at: int | None = None

    def __post_init__(self) -> None:
        if (self.status is EndpointStatus.DISABLED) != (self.disabled_reason is not None):
            raise ValueError("a disabled endpoint has a reason, an enabled one has none")

    @property
    def enabled(self) -> bool:
        return self.status is EndpointStatus.ENABLED


class AttemptRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One POST to a receiver, as the delivery log shows it."""

    created: int
    http_status: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None


class WebhookDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """One event for one endpoint. ``scheduled_attempts`` counts the automatic attempts (manual ones do not)."""

    id: str
    event_id: str
    event_type: str
    endpoint_id: str
    status: DeliveryStatus
    scheduled_attempts: int
    next_attempt_at: int | None
    created: int
    attempts: tuple[AttemptRecord, ...] = ()


def matches(enabled_events: tuple[str, ...], event_type: str) -> bool:
    """``*`` takes every event; otherwise the exact type, or a ``prefix.*`` pattern."""
    for pattern in enabled_events:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def next_attempt_at(attempts_made: int, now: int, *, jitter: float = 0.0, retry_after: int | None = None) -> int | None:
    """When the next automatic attempt is due after ``attempts_made`` failed ones, or None: the delivery failed.

    ``jitter`` in [0, 1) stretches the scheduled delay by up to ``JITTER_FRACTION``. A receiver's
    ``Retry-After`` is honoured within the schedule: it may push the attempt later, but never past the
    attempt after it (so a receiver cannot park a delivery for ever), and never earlier than scheduled.
    """
    if attempts_made < 0 or not 0.0 <= jitter < 1.0:
        raise ValueError("attempts_made must be >= 0 and jitter in [0, 1)")
    if attempts_made >= MAX_ATTEMPTS:
        return None
    delay = RETRY_SCHEDULE[attempts_made]
    scheduled = delay + int(delay * JITTER_FRACTION * jitter)
    if retry_after is not None and retry_after > scheduled:
        ceiling = RETRY_SCHEDULE[attempts_made + 1] if attempts_made + 1 < MAX_ATTEMPTS else delay * 2
        scheduled = min(retry_after, max(ceiling, scheduled))
    return now + scheduled


def should_disable(failing_since: int | None, last_failure_at: int | None, now: int) -> bool:
    """Every delivery has failed for 5 days, with the first and last failure at least 12 h apart."""
    if failing_since is None or last_failure_at is None:
        return False
    return now - failing_since >= FAILING_FOR_SECONDS and last_failure_at - failing_since >= FAILURE_SPREAD_SECONDS


def after_failure(endpoint: WebhookEndpoint, now: int) -> WebhookEndpoint:
    """Record a failed attempt; disables the endpoint (``failing``) when the rule says so."""
    since = endpoint.failing_since if endpoint.failing_since is not None else now
    updated = msgspec.structs.replace(endpoint, failing_since=since, last_failure_at=now)
    if updated.enabled and should_disable(since, now, now):
        return disable(updated, DisabledReason.FAILING)
    return updated


def after_success(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return msgspec.structs.replace(endpoint, failing_since=None, last_failure_at=None)


def disable(endpoint: WebhookEndpoint, reason: DisabledReason) -> WebhookEndpoint:
    return msgspec.structs.replace(endpoint, status=EndpointStatus.DISABLED, disabled_reason=reason)


def enable(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Re-enabling forgets the failure streak; deliveries kept while disabled are not resent (use recover)."""
    return msgspec.structs.replace(
        endpoint, status=EndpointStatus.ENABLED, disabled_reason=None, failing_since=None, last_failure_at=None
    )


def is_success(http_status: int | None) -> bool:
    return http_status is not None and 200 <= http_status < 300


def honours_retry_after(http_status: int | None) -> bool:
    return http_status in (429, 503)


def associated_data(merchant_id: str, environment: Environment, endpoint_id: str) -> bytes:
    """What a sealed secret is bound to: a blob copied to another merchant, environment or endpoint fails to open."""
    return f"{merchant_id}:{environment.value}:{endpoint_id}".encode()


MAX_ENDPOINTS: Final = 16
#: The event types of contract §8 an endpoint may subscribe to.
EVENT_TYPES: Final = frozenset(t.value for t in EventType)


def after_attempt(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    http_status: int | None,
    *,
    now: int,
    jitter: float,
    retry_after: int | None = None,
    manual: bool = False,
) -> tuple[WebhookDelivery, WebhookEndpoint]:
    """The delivery and endpoint after one attempt answered ``http_status`` (None: no answer).

    2xx: the delivery succeeded and the endpoint's failure streak ends. 410: the delivery failed and the
    endpoint is disabled (``gone``). Anything else: the endpoint's streak grows (and may disable it,
    ``failing``); an automatic attempt moves the delivery along the schedule (``failed`` when spent), a
    manual one leaves its schedule and status as they were.
    """
    replace = msgspec.structs.replace
    if is_success(http_status):
        return replace(delivery, status=DeliveryStatus.SUCCEEDED, next_attempt_at=None), after_success(endpoint)
    if http_status == 410:
        gone = disable(endpoint, DisabledReason.GONE) if endpoint.enabled else endpoint
        return replace(delivery, status=DeliveryStatus.FAILED, next_attempt_at=None), gone
    endpoint = after_failure(endpoint, now)
    if manual:
        return delivery, endpoint
    made = delivery.scheduled_attempts + 1
    honoured = retry_after if honours_retry_after(http_status) else None
    due = next_attempt_at(made, now, jitter=jitter, retry_after=honoured)
    status = DeliveryStatus.PENDING if due is not None else DeliveryStatus.FAILED
    return replace(delivery, status=status, scheduled_attempts=made, next_attempt_at=due), endpoint


def kept_while_disabled(delivery: WebhookDelivery) -> WebhookDelivery:
    """A delivery that came due while its endpoint was disabled: kept, not sent, not resent on re-enable."""
    return msgspec.structs.replace(delivery, status=DeliveryStatus.FAILED, next_attempt_at=None)
