"""What came of an STK push, as a value, and the pure decisions of what it does to the intent.

``settle_push`` decides on the push's own answer; ``settle_query`` on what an STK Push Query learnt of it.

The Daraja gateway port returns a ``PushVerdict`` (``DarajaGateway.stk_push``): the expected outcomes of a
push are values, never exceptions. The confirm use case loads the intent, decides with ``settle_push`` and
saves what it returns: the same load -> decide -> save shape as a callback (``state_machine.apply_result``)
and a query. Each verdict carries the redacted ``Exchange`` for the provider log (None when nothing was
exchanged, e.g. the circuit was open or the confirm was interrupted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec

from micropay.domain.model import state_machine
from micropay.domain.model.events import IntentEvent
from micropay.domain.model.intent import IntentStatus, PaymentError, PaymentIntent
from micropay.domain.model.provider import AttemptOutcome, Exchange, PaymentResult

#: Seconds a caller waits before trying a push Daraja was unavailable for, unless Daraja says otherwise.
DEFAULT_RETRY_AFTER: Final = 5.0


class PushAccepted(msgspec.Struct, frozen=True, kw_only=True, tag="accepted"):
    """Daraja accepted the push: the prompt is on its way to the customer's phone."""

    checkout_request_id: str
    merchant_request_id: str | None = None
    exchange: Exchange | None = None


class PushRejected(msgspec.Struct, frozen=True, kw_only=True, tag="rejected"):
    """Refused for a customer reason (invalid number, subscriber locked): the intent fails."""

    error: PaymentError
    exchange: Exchange | None = None


class PushNotSent(msgspec.Struct, frozen=True, kw_only=True, tag="not_sent"):
    """Definitely not accepted (Daraja unavailable, or the circuit open): the intent is restored.

    Safe to confirm again after ``retry_after`` seconds; ``circuit_open`` when the call never left (fail fast).
    """

    reason: str = "Daraja is unavailable."
    retry_after: float = DEFAULT_RETRY_AFTER
    circuit_open: bool = False
    exchange: Exchange | None = None


class PushMisconfigured(msgspec.Struct, frozen=True, kw_only=True, tag="misconfigured"):
    """Daraja refused the merchant's setup (credentials, shortcode, token refused twice): restored, not sent."""

    reason: str = "Daraja refused the merchant's setup."
    exchange: Exchange | None = None


class PushAnswerLost(msgspec.Struct, frozen=True, kw_only=True, tag="answer_lost"):
    """Sent, but the answer was lost (or the confirm was interrupted): it may have happened; never re-pushed."""

    reason: str = "The STK push was sent but its answer was lost."
    exchange: Exchange | None = None


PushVerdict = PushAccepted | PushRejected | PushNotSent | PushMisconfigured | PushAnswerLost


class PushSettlement(msgspec.Struct, frozen=True, kw_only=True):
    """What to save: the intent (``changed`` when it moved), its events, and the push row's outcome."""

    intent: PaymentIntent
    events: Sequence[IntentEvent]
    outcome: AttemptOutcome
    changed: bool
    checkout_request_id: str | None = None


def settle_push(
    intent: PaymentIntent, *, attempt_id: str, verdict: PushVerdict, restore: PaymentIntent, now: int
) -> PushSettlement:
    """Apply a push's verdict to the intent as it is now (a callback may already have settled the attempt).

    - accepted: ``processing`` with the CheckoutRequestID and the prompt deadline (unless already known);
    - rejected: ``failed`` with the customer-facing error;
    - not sent or misconfigured: back to ``restore``, the intent as it was before the claim;
    - answer lost: stays ``processing`` with the prompt deadline; never pushed again.

    When the attempt is no longer the intent's current ``processing`` one, only the push row's outcome is
    recorded and the intent is left as it is.
    """
    current = intent.status is IntentStatus.PROCESSING and intent.attempt_id == attempt_id
    events: list[IntentEvent] = []
    new = intent
    match verdict:
        case PushAccepted(checkout_request_id=checkout, merchant_request_id=merchant):
            outcome = AttemptOutcome.ACCEPTED
            if current and intent.checkout_request_id is None:
                new, events = state_machine.accept_attempt(
                    intent, attempt_id=attempt_id, checkout_request_id=checkout, merchant_request_id=merchant, now=now
                )
            return PushSettlement(
                intent=new, events=events, outcome=outcome, changed=new is not intent, checkout_request_id=checkout
            )
        case PushRejected(error=error):
            outcome = AttemptOutcome.REJECTED
            if current:
                new, events = state_machine.reject_attempt(intent, attempt_id=attempt_id, error=error, now=now)
        case PushNotSent() | PushMisconfigured():
            outcome = AttemptOutcome.NOT_SENT
            if current:
                new, events = state_machine.abandon_attempt(intent, attempt_id=attempt_id, restore=restore, now=now)
        case PushAnswerLost():
            outcome = AttemptOutcome.ANSWER_LOST
            if current and intent.checkout_request_id is None:
                new, events = state_machine.attempt_answer_lost(intent, attempt_id=attempt_id, now=now)
    return PushSettlement(intent=new, events=events, outcome=outcome, changed=new is not intent)


class QuerySettlement(msgspec.Struct, frozen=True, kw_only=True):
    """What to save after a query: the result's application (``PENDING`` and unchanged while Daraja is still
    processing), and whether it is still processing (then the intent is marked as asked; otherwise the
    push row, whose answer Daraja evidently knew, is ``accepted`` if its confirm never recorded one)."""

    application: state_machine.ResultApplication
    still_processing: bool


def settle_query(intent: PaymentIntent, *, push_id: str, result: PaymentResult | None, now: int) -> QuerySettlement:
    """Apply an STK Push Query's answer for the push ``push_id``: ``result`` None is "still processing".

    A final result goes through ``state_machine.apply_result``, the same rules as a callback (first money
    wins, amount mismatch, superseded...); "still processing" changes nothing.
    """
    if result is None:
        pending = state_machine.ResultApplication(intent=intent, events=[], outcome=AttemptOutcome.PENDING)
        return QuerySettlement(application=pending, still_processing=True)
    application = state_machine.apply_result(intent, attempt_id=push_id, result=result, now=now)
    return QuerySettlement(application=application, still_processing=False)
