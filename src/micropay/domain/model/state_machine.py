"""The PaymentIntent state machine: pure functions ``(intent, what happened) -> (new intent, events)``.

``requires_payment_method -> processing -> succeeded | failed``; ``failed -> processing`` (a retry);
``requires_payment_method | failed -> canceled``. ``succeeded`` and ``canceled`` are terminal. Every
change increments ``version`` by exactly one; every change of ``status`` returns exactly one public event (a
change that keeps the status, such as an accepted push, returns none). Illegal moves raise
``IntentUnexpectedState``; results that must not change the intent come back as an outcome, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from micropay.domain.errors import IntentUnexpectedState, InvalidParameter
from micropay.domain.model import result_codes
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import EventType, IntentEvent, UnexpectedPayment
from micropay.domain.model.intent import (
    CANCELABLE,
    CONFIRMABLE,
    PROMPT_TTL_SECONDS,
    TERMINAL,
    IntentStatus,
    MpesaDetails,
    PaymentError,
    PaymentIntent,
)
from micropay.domain.model.money import Money
from micropay.domain.model.msisdn import Msisdn
from micropay.domain.model.provider import AttemptOutcome, PaymentResult

Transition = tuple[PaymentIntent, list[IntentEvent]]

#: After this long without any answer for a push whose answer was lost, the attempt counts as expired.
UNANSWERED_ATTEMPT_TIMEOUT_SECONDS = 300


class ResultApplication(msgspec.Struct, frozen=True, kw_only=True):
    """What applying a Daraja result did: the (possibly unchanged) intent, its events, and the outcome."""

    intent: PaymentIntent
    events: Sequence[IntentEvent]
    outcome: AttemptOutcome
    changed: bool = False  # the intent moved to a new version (to be saved)


def _event(kind: EventType, intent: PaymentIntent, now: int) -> IntentEvent:
    return IntentEvent(type=kind, intent_id=intent.id, version=intent.version, at=now)


def _next(intent: PaymentIntent, now: int, **changes: object) -> PaymentIntent:
    return msgspec.structs.replace(intent, version=intent.version + 1, updated=max(now, intent.updated), **changes)


def create(
    *,
    intent_id: str,
    tenant: Tenant,
    money: Money,
    phone: Msisdn | None,
    account_reference: str,
    description: str | None,
    metadata: dict[str, str],
    secret_hash: str,
    now: int,
) -> Transition:
    intent = PaymentIntent(
        id=intent_id,
        merchant_id=tenant.merchant_id,
        environment=tenant.environment,
        amount=money.amount,
        currency=money.currency,
        status=IntentStatus.REQUIRES_PAYMENT_METHOD,
        phone_number=phone.value if phone else None,
        account_reference=account_reference,
        description=description,
        metadata=dict(metadata),
        secret_hash=secret_hash,
        created=now,
        updated=now,
    )
    return intent, [_event(EventType.CREATED, intent, now)]


def start_attempt(intent: PaymentIntent, *, attempt_id: str, phone: Msisdn | None, now: int) -> Transition:
    """Confirm: a new attempt begins and the intent is ``processing`` before the push is sent.

    Claiming the intent first (a committed, version-checked write) is what guarantees that two concurrent
    confirms never both send an STK push. If the push is then definitely not accepted, ``abandon_attempt``
    puts the intent back as it was.
    """
    if intent.status not in CONFIRMABLE:
        raise IntentUnexpectedState(intent.id, intent.status, "confirm")
    number = phone.value if phone else intent.phone_number
    if number is None:
        raise InvalidParameter(
            "phone_number",
            "This PaymentIntent has no phone_number: pass one to confirm it.",
            "parameter_missing",
        )
    new = _next(
        intent,
        now,
        status=IntentStatus.PROCESSING,
        phone_number=number,
        attempt_id=attempt_id,
        attempt_count=intent.attempt_count + 1,
        next_action_expires_at=None,
        last_payment_error=None,
        mpesa=MpesaDetails(phone_number=number),
    )
    return new, [_event(EventType.PROCESSING, new, now)]


def _mpesa_of(intent: PaymentIntent) -> MpesaDetails:
    """``processing`` and ``failed`` intents always carry the details of their attempt."""
    if intent.mpesa is None:
        raise IntentUnexpectedState(intent.id, intent.status, "settle an attempt for")
    return intent.mpesa


def _require_current_processing(intent: PaymentIntent, attempt_id: str, action: str) -> None:
    if intent.status is not IntentStatus.PROCESSING or intent.attempt_id != attempt_id:
        raise IntentUnexpectedState(intent.id, intent.status, action)


def accept_attempt(
    intent: PaymentIntent,
    *,
    attempt_id: str,
    checkout_request_id: str,
    merchant_request_id: str | None,
    now: int,
) -> Transition:
    """Daraja accepted the push: the prompt is on its way to the customer's phone."""
    _require_current_processing(intent, attempt_id, "accept an STK push for")
    mpesa = msgspec.structs.replace(
        _mpesa_of(intent), checkout_request_id=checkout_request_id, merchant_request_id=merchant_request_id
    )
    # still ``processing``: no public event (``payment_intent.processing`` was the claim's)
    return _next(intent, now, mpesa=mpesa, next_action_expires_at=now + PROMPT_TTL_SECONDS), []


def attempt_answer_lost(intent: PaymentIntent, *, attempt_id: str, now: int) -> Transition:
    """The push was sent but its answer was lost: it may have happened. Stay ``processing``; never re-push."""
    _require_current_processing(intent, attempt_id, "record a lost answer for")
    return _next(intent, now, next_action_expires_at=now + PROMPT_TTL_SECONDS), []


def reject_attempt(intent: PaymentIntent, *, attempt_id: str, error: PaymentError, now: int) -> Transition:
    """Daraja refused the push for a customer reason (invalid number, subscriber locked): ``failed``."""
    _require_current_processing(intent, attempt_id, "reject an STK push for")
    new = _next(intent, now, status=IntentStatus.FAILED, last_payment_error=error, next_action_expires_at=None)
    return new, [_event(EventType.PAYMENT_FAILED, new, now)]


def abandon_attempt(intent: PaymentIntent, *, attempt_id: str, restore: PaymentIntent, now: int) -> Transition:
    """The push was definitely not accepted: the intent returns to what it was before ``start_attempt``.

    Only ``version`` moves on (so concurrent writers still conflict); ``updated`` keeps its old value because
    nothing the merchant can see has changed. The status does change (back from ``processing``), so it returns
    ``payment_intent.payment_failed`` as Stripe does for an attempt that failed: the attempt did, the intent
    is back in its earlier status and may be confirmed again.
    """
    _require_current_processing(intent, attempt_id, "abandon an STK push for")
    # An accepted push, or one whose answer was lost (it may have happened), must never make room for a re-push.
    sent = intent.checkout_request_id is not None or intent.next_action_expires_at is not None
    if restore.id != intent.id or restore.status not in CONFIRMABLE or sent:
        raise IntentUnexpectedState(intent.id, intent.status, "abandon an accepted STK push for")
    new = msgspec.structs.replace(restore, version=intent.version + 1)
    return new, [_event(EventType.PAYMENT_FAILED, new, now)]


def apply_result(intent: PaymentIntent, *, attempt_id: str, result: PaymentResult, now: int) -> ResultApplication:
    """Apply a final result (callback or query) for one attempt, idempotently. The first money that moved wins.

    - Only ``ResultCode`` 0 with a matching amount (or no amount, as in a query) makes ``succeeded``;
      a success for another amount is refused (outcome and event ``amount_mismatch``, the intent unchanged).
    - A non-zero code makes ``failed`` with the contract's error code.
    - A success for a ``failed`` intent's current attempt still moves it to ``succeeded``: the money moved.
    - A success for a superseded attempt (the customer paid an older prompt) of an intent that has not
      succeeded makes it ``succeeded`` with that attempt's receipt; the newer attempt is the superseded one now.
    - A success the intent cannot absorb (it is canceled, or it already succeeded through another attempt) is
      an ``unexpected_payment``: the intent does not change, the event carries the attempt, receipt and
      amount so that the merchant can refund it.
    - Failures for an attempt that is no longer current change nothing (``superseded``); repeats of an
      applied result change nothing (``duplicate``); failures after cancel change nothing (``ignored``).
    """
    success = result_codes.is_success(result.result_code)
    current_attempt = intent.attempt_id == attempt_id
    known = intent.checkout_request_id
    if current_attempt and known is not None and result.checkout_request_id not in (None, known):
        return ResultApplication(intent=intent, events=[], outcome=AttemptOutcome.INVALID)
    if success and intent.status is IntentStatus.SUCCEEDED and current_attempt:
        return ResultApplication(intent=intent, events=[], outcome=AttemptOutcome.DUPLICATE)
    if success and intent.status in TERMINAL:
        return _unexpected_payment(intent, attempt_id, result, now)
    if not current_attempt:
        if not success:
            return ResultApplication(intent=intent, events=[], outcome=AttemptOutcome.SUPERSEDED)
        if result.amount is not None and result.amount != intent.amount:
            mismatch = _event(EventType.AMOUNT_MISMATCH, intent, now)
            return ResultApplication(intent=intent, events=[mismatch], outcome=AttemptOutcome.AMOUNT_MISMATCH)
        paid, settled = _succeed_superseded(intent, attempt_id, result, now)
        return ResultApplication(intent=paid, events=settled, outcome=AttemptOutcome.APPLIED, changed=True)
    if intent.status is IntentStatus.SUCCEEDED:
        return ResultApplication(intent=intent, events=[], outcome=AttemptOutcome.DUPLICATE)
    if intent.status is IntentStatus.FAILED and not success:
        return ResultApplication(intent=intent, events=[], outcome=AttemptOutcome.DUPLICATE)
    if intent.status not in (IntentStatus.PROCESSING, IntentStatus.FAILED):
        return ResultApplication(intent=intent, events=[], outcome=AttemptOutcome.IGNORED)
    if success and result.amount is not None and result.amount != intent.amount:
        # Not applied, so the intent does not change; the event tells the merchant an operator must look.
        mismatch = _event(EventType.AMOUNT_MISMATCH, intent, now)
        return ResultApplication(intent=intent, events=[mismatch], outcome=AttemptOutcome.AMOUNT_MISMATCH)

    current = intent
    if known is None and result.checkout_request_id is not None:
        current = _link_checkout_request(current, result.checkout_request_id, result)
    if success:
        current, settled = _succeed(current, result, now)
    else:
        current, settled = _fail(current, result, now)
    return ResultApplication(intent=current, events=settled, outcome=AttemptOutcome.APPLIED, changed=True)


def _unexpected_payment(intent: PaymentIntent, attempt_id: str, result: PaymentResult, now: int) -> ResultApplication:
    """Money moved that the intent cannot absorb: kept on the attempt (its outcome) and told in the event."""
    payment = UnexpectedPayment(attempt=attempt_id, receipt_number=result.receipt_number, amount=result.amount)
    event = IntentEvent(
        type=EventType.UNEXPECTED_PAYMENT,
        intent_id=intent.id,
        version=intent.version,
        at=now,
        unexpected_payment=payment,
    )
    return ResultApplication(intent=intent, events=[event], outcome=AttemptOutcome.UNEXPECTED_PAYMENT)


def _succeed_superseded(intent: PaymentIntent, attempt_id: str, result: PaymentResult, now: int) -> Transition:
    """The customer paid an older prompt: the intent succeeds with that attempt, which is current again."""
    mpesa = MpesaDetails(
        phone_number=result.phone_number or intent.phone_number or "",
        checkout_request_id=result.checkout_request_id,
        merchant_request_id=result.merchant_request_id,
        receipt_number=result.receipt_number,
        transaction_date=result.transaction_date,
    )
    new = _next(
        intent,
        now,
        status=IntentStatus.SUCCEEDED,
        attempt_id=attempt_id,
        mpesa=mpesa,
        next_action_expires_at=None,
        last_payment_error=None,
    )
    return new, [_event(EventType.SUCCEEDED, new, now)]


def _link_checkout_request(intent: PaymentIntent, checkout_request_id: str, result: PaymentResult) -> PaymentIntent:
    """Fill in the CheckoutRequestID of a push whose answer was lost: part of the settlement that follows (one
    saved change moves the version by one, and its one event is the settlement's)."""
    details = _mpesa_of(intent)
    mpesa = msgspec.structs.replace(
        details,
        checkout_request_id=checkout_request_id,
        merchant_request_id=result.merchant_request_id or details.merchant_request_id,
    )
    return msgspec.structs.replace(intent, mpesa=mpesa)


def _succeed(intent: PaymentIntent, result: PaymentResult, now: int) -> Transition:
    details = _mpesa_of(intent)
    mpesa = msgspec.structs.replace(
        details,
        receipt_number=result.receipt_number,
        transaction_date=result.transaction_date,
        phone_number=result.phone_number or details.phone_number,
    )
    new = _next(
        intent,
        now,
        status=IntentStatus.SUCCEEDED,
        mpesa=mpesa,
        next_action_expires_at=None,
        last_payment_error=None,
    )
    return new, [_event(EventType.SUCCEEDED, new, now)]


def _fail(intent: PaymentIntent, result: PaymentResult, now: int) -> Transition:
    code = result_codes.error_code_for(result.result_code)
    error = PaymentError(code=code, message=result_codes.message_for(code), mpesa_result_code=result.result_code)
    new = _next(intent, now, status=IntentStatus.FAILED, last_payment_error=error, next_action_expires_at=None)
    return new, [_event(EventType.PAYMENT_FAILED, new, now)]


def is_unanswered_too_long(intent: PaymentIntent, now: int) -> bool:
    """A push without a CheckoutRequestID that nobody has settled after the timeout: reconcile may expire it.

    That is a push whose answer was lost, or a confirm interrupted between its claim and recording the
    push's answer (the process died): then the clock starts at the claim (``updated``).
    """
    if intent.status is not IntentStatus.PROCESSING or intent.checkout_request_id is not None:
        return False
    if intent.next_action_expires_at is not None:
        started = intent.next_action_expires_at - PROMPT_TTL_SECONDS
    else:
        started = intent.updated
    return now >= started + UNANSWERED_ATTEMPT_TIMEOUT_SECONDS


def expire_unanswered(intent: PaymentIntent, *, now: int) -> Transition:
    """Reconcile's verdict on a lost-answer push nobody settled: ``failed`` (``expired``).

    Safe because a late success callback still moves a failed intent to ``succeeded``.
    """
    if not is_unanswered_too_long(intent, now):
        raise IntentUnexpectedState(intent.id, intent.status, "expire")
    code = "expired"
    error = PaymentError(code=code, message=result_codes.message_for(code), mpesa_result_code=None)
    new = _next(intent, now, status=IntentStatus.FAILED, last_payment_error=error, next_action_expires_at=None)
    return new, [_event(EventType.PAYMENT_FAILED, new, now)]


def cancel(intent: PaymentIntent, *, reason: str | None, now: int) -> Transition:
    if intent.status not in CANCELABLE:
        raise IntentUnexpectedState(intent.id, intent.status, "cancel")
    new = _next(
        intent,
        now,
        status=IntentStatus.CANCELED,
        canceled_at=now,
        cancellation_reason=reason,
        next_action_expires_at=None,
    )
    return new, [_event(EventType.CANCELED, new, now)]
