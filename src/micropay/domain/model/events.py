"""Events: one per intent transition, so that every change can be logged, audited or published."""

from __future__ import annotations

import msgspec


class IntentEvent(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Base: which intent, the version the transition produced, and when."""

    intent_id: str
    version: int
    at: int


class IntentCreated(IntentEvent, frozen=True, kw_only=True):
    amount: int


class AttemptStarted(IntentEvent, frozen=True, kw_only=True):
    attempt_id: str
    phone_number: str


class AttemptAccepted(IntentEvent, frozen=True, kw_only=True):
    attempt_id: str
    checkout_request_id: str


class AttemptAnswerLost(IntentEvent, frozen=True, kw_only=True):
    attempt_id: str


class AttemptAbandoned(IntentEvent, frozen=True, kw_only=True):
    """The push was never accepted (Daraja unavailable or misconfigured): the intent is back as it was."""

    attempt_id: str


class CheckoutRequestLinked(IntentEvent, frozen=True, kw_only=True):
    """A callback supplied the CheckoutRequestID of a push whose answer was lost."""

    attempt_id: str
    checkout_request_id: str


class PaymentSucceeded(IntentEvent, frozen=True, kw_only=True):
    attempt_id: str
    receipt_number: str | None
    late: bool  # True when it arrived after the intent had failed


class PaymentFailed(IntentEvent, frozen=True, kw_only=True):
    attempt_id: str | None
    error_code: str
    mpesa_result_code: str | None


class IntentCanceled(IntentEvent, frozen=True, kw_only=True):
    reason: str | None
