"""``apply_result``: how a final Daraja result (callback or query) settles an intent, idempotently."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest

from micropay.domain.errors import IntentUnexpectedState
from micropay.domain.model import result_codes
from micropay.domain.model import state_machine as sm
from micropay.domain.model.events import EventType, IntentEvent, UnexpectedPayment
from micropay.domain.model.intent import IntentStatus, MpesaDetails, PaymentError, PaymentIntent
from micropay.domain.model.provider import AttemptOutcome, PaymentResult
from tests.unit.domain import builders as b

NOW = b.T0 + 60

MAPPED = {
    "1": "insufficient_funds",
    "2": "amount_limit_exceeded",
    "3": "amount_limit_exceeded",
    "4": "amount_limit_exceeded",
    "8": "amount_limit_exceeded",
    "17": "duplicate_request_rule",
    "1019": "expired",
    "1025": "prompt_failed",
    "9999": "prompt_failed",
    "1031": "canceled_by_customer",
    "1032": "canceled_by_customer",
    "1037": "customer_unreachable",
    "2001": "wrong_pin",
    "2028": "merchant_misconfigured",
    "SFC_IC0003": "merchant_misconfigured",
    "8006": "account_locked",
    "26": "provider_declined",
    "4999": "provider_declined",
    "SFC_XYZ": "provider_declined",
}


def _apply(intent: PaymentIntent, result: PaymentResult, attempt_id: str = "pa_1") -> sm.ResultApplication:
    return sm.apply_result(intent, attempt_id=attempt_id, result=result, now=NOW)


def _unchanged(application: sm.ResultApplication, intent: PaymentIntent, outcome: AttemptOutcome) -> None:
    assert application.outcome is outcome
    assert application.intent == intent
    assert list(application.events) == []
    assert not application.changed


def test_a_success_with_the_right_amount_succeeds() -> None:
    intent = b.accepted()
    application = _apply(intent, b.success())
    new = application.intent
    assert application.outcome is AttemptOutcome.APPLIED
    assert application.changed
    assert new.status is IntentStatus.SUCCEEDED
    assert new.version == intent.version + 1
    assert (new.amount, new.currency, new.updated) == (intent.amount, intent.currency, NOW)
    assert new.last_payment_error is None
    assert new.next_action_expires_at is None
    assert new.mpesa == MpesaDetails(
        phone_number="254799999999",
        checkout_request_id="ws_CO_1",
        merchant_request_id="mr-1",
        receipt_number="NLJ7RT61SV",
        transaction_date=b.T0 + 50,
    )
    assert list(application.events) == [
        IntentEvent(type=EventType.SUCCEEDED, intent_id=b.INTENT_ID, version=new.version, at=NOW)
    ]


def test_a_query_success_without_amount_or_phone_succeeds_and_keeps_the_phone() -> None:
    result = msgspec.structs.replace(b.success(amount=None), phone_number=None)
    new = _apply(b.accepted(), result).intent
    assert new.status is IntentStatus.SUCCEEDED
    assert new.mpesa is not None
    assert new.mpesa.phone_number == b.PHONE


def _refused_for_its_amount(application: sm.ResultApplication, intent: PaymentIntent) -> None:
    """The intent is unchanged; its one event tells the merchant that an operator must look."""
    assert application.outcome is AttemptOutcome.AMOUNT_MISMATCH
    assert application.intent == intent
    assert not application.changed
    assert list(application.events) == [
        IntentEvent(type=EventType.AMOUNT_MISMATCH, intent_id=intent.id, version=intent.version, at=NOW)
    ]


@pytest.mark.parametrize("amount", [b.AMOUNT - 100, b.AMOUNT + 100, 100, 0])
def test_a_success_for_another_amount_is_refused(amount: int) -> None:
    intent = b.accepted()
    _refused_for_its_amount(_apply(intent, b.success(amount=amount)), intent)


@pytest.mark.parametrize(("code", "error_code"), sorted(MAPPED.items()))
def test_each_failure_code_fails_with_the_contracts_error(code: str, error_code: str) -> None:
    intent = b.accepted()
    application = _apply(intent, PaymentResult(result_code=code, checkout_request_id="ws_CO_1"))
    new = application.intent
    assert application.outcome is AttemptOutcome.APPLIED
    assert new.status is IntentStatus.FAILED
    assert new.version == intent.version + 1
    assert new.last_payment_error == PaymentError(
        code=error_code, message=result_codes.message_for(error_code), mpesa_result_code=code
    )
    assert new.next_action_expires_at is None
    assert list(application.events) == [
        IntentEvent(type=EventType.PAYMENT_FAILED, intent_id=b.INTENT_ID, version=new.version, at=NOW)
    ]


def test_a_failure_ignores_the_amount() -> None:
    result = PaymentResult(result_code="1", checkout_request_id="ws_CO_1", amount=1)
    assert _apply(b.accepted(), result).intent.status is IntentStatus.FAILED


@pytest.mark.parametrize("result", [b.success(), PaymentResult(result_code="1032")])
def test_any_result_for_a_succeeded_intent_is_a_duplicate(result: PaymentResult) -> None:
    intent = b.succeeded()
    _unchanged(_apply(intent, result), intent, AttemptOutcome.DUPLICATE)


@pytest.mark.parametrize("code", ["1032", "1", "1037"])
def test_a_failure_for_a_failed_intent_is_a_duplicate(code: str) -> None:
    intent = b.failed(code="1032")
    _unchanged(_apply(intent, PaymentResult(result_code=code)), intent, AttemptOutcome.DUPLICATE)


def test_a_late_success_after_a_failure_still_succeeds() -> None:
    intent = b.failed()
    application = _apply(intent, b.success())
    new = application.intent
    assert application.outcome is AttemptOutcome.APPLIED
    assert new.status is IntentStatus.SUCCEEDED
    assert new.version == intent.version + 1
    assert new.last_payment_error is None
    [event] = application.events
    assert event == IntentEvent(type=EventType.SUCCEEDED, intent_id=b.INTENT_ID, version=new.version, at=NOW)


def test_a_late_success_for_another_amount_is_still_refused() -> None:
    intent = b.failed()
    _refused_for_its_amount(_apply(intent, b.success(amount=100)), intent)


def test_a_failure_after_cancel_is_ignored() -> None:
    intent = b.canceled()
    assert intent.attempt_id == "pa_1"
    result = PaymentResult(result_code="1032", checkout_request_id="ws_CO_1")
    _unchanged(_apply(intent, result), intent, AttemptOutcome.IGNORED)


def _unexpected(application: sm.ResultApplication, intent: PaymentIntent, attempt_id: str) -> None:
    """Money moved that the intent cannot absorb: unchanged, and the event says what to refund."""
    assert application.outcome is AttemptOutcome.UNEXPECTED_PAYMENT
    assert application.intent == intent
    assert not application.changed
    payment = UnexpectedPayment(attempt=attempt_id, receipt_number="NLJ7RT61SV", amount=b.AMOUNT)
    assert list(application.events) == [
        IntentEvent(
            type=EventType.UNEXPECTED_PAYMENT,
            intent_id=intent.id,
            version=intent.version,
            at=NOW,
            unexpected_payment=payment,
        )
    ]


@pytest.mark.parametrize("attempt_id", ["pa_1", "pa_0"])
def test_a_success_after_cancel_is_an_unexpected_payment(attempt_id: str) -> None:
    intent = b.canceled()
    _unexpected(_apply(intent, b.success(checkout=None), attempt_id=attempt_id), intent, attempt_id)


def test_a_second_success_through_another_attempt_is_an_unexpected_payment() -> None:
    paid = b.succeeded()
    _unexpected(_apply(paid, b.success(checkout="ws_CO_old"), attempt_id="pa_0"), paid, "pa_0")


def test_a_failure_for_another_attempt_is_superseded() -> None:
    intent = b.processing("pa_2", base=b.failed("pa_1"))
    result = PaymentResult(result_code="1032", checkout_request_id="ws_CO_1")
    _unchanged(_apply(intent, result, attempt_id="pa_1"), intent, AttemptOutcome.SUPERSEDED)


@pytest.mark.parametrize("make", [lambda: b.processing("pa_2", base=b.failed("pa_1")), lambda: b.failed("pa_2")])
def test_a_success_for_a_superseded_attempt_wins_the_first_money_that_moved(
    make: Callable[[], PaymentIntent],
) -> None:
    intent = make()
    application = _apply(intent, b.success(checkout="ws_CO_old"), attempt_id="pa_1")
    new = application.intent
    assert (application.outcome, application.changed) == (AttemptOutcome.APPLIED, True)
    assert (new.status, new.attempt_id, new.version) == (IntentStatus.SUCCEEDED, "pa_1", intent.version + 1)
    assert new.mpesa is not None
    assert (new.mpesa.checkout_request_id, new.mpesa.receipt_number) == ("ws_CO_old", "NLJ7RT61SV")
    assert (new.last_payment_error, new.next_action_expires_at) == (None, None)
    assert list(application.events) == [
        IntentEvent(type=EventType.SUCCEEDED, intent_id=intent.id, version=new.version, at=NOW)
    ]
    # the newer attempt is the superseded one now: its failure changes nothing
    late = PaymentResult(result_code="1032", checkout_request_id="ws_CO_1")
    _unchanged(_apply(new, late, attempt_id="pa_2"), new, AttemptOutcome.SUPERSEDED)


def test_a_superseded_success_for_another_amount_is_refused() -> None:
    intent = b.processing("pa_2", base=b.failed("pa_1"))
    _refused_for_its_amount(_apply(intent, b.success(amount=100), attempt_id="pa_1"), intent)


def test_a_success_for_an_intent_that_never_started_an_attempt_wins_too() -> None:
    intent = b.created()
    application = _apply(intent, b.success())
    assert application.intent.status is IntentStatus.SUCCEEDED
    assert application.intent.attempt_id == "pa_1"


@pytest.mark.parametrize("make", [b.accepted, b.failed, b.succeeded])
def test_a_checkout_id_that_is_not_the_attempts_is_invalid(make: Callable[[], PaymentIntent]) -> None:
    intent = make()
    _unchanged(_apply(intent, b.success(checkout="ws_CO_other")), intent, AttemptOutcome.INVALID)


def test_a_result_without_checkout_id_applies_to_the_current_attempt() -> None:
    assert _apply(b.accepted(), b.success(checkout=None)).intent.status is IntentStatus.SUCCEEDED


def test_a_result_links_the_checkout_id_when_the_answer_was_lost_in_one_change() -> None:
    intent = b.answer_lost()
    application = _apply(intent, b.success(checkout="ws_CO_late"))
    new = application.intent
    assert application.outcome is AttemptOutcome.APPLIED
    assert new.status is IntentStatus.SUCCEEDED
    assert new.checkout_request_id == "ws_CO_late"
    assert new.mpesa is not None
    assert new.mpesa.merchant_request_id == "mr-cb"
    # one saved change: the repository accepts it only if the version moved by exactly one
    assert new.version == intent.version + 1
    # one status change, one public event (linking the id is part of it, not an event of its own)
    assert list(application.events) == [
        IntentEvent(type=EventType.SUCCEEDED, intent_id=b.INTENT_ID, version=new.version, at=NOW)
    ]


def test_a_failure_links_the_checkout_id_too_keeping_a_known_merchant_request_id() -> None:
    intent = b.answer_lost()
    result = PaymentResult(result_code="1037", checkout_request_id="ws_CO_late")
    application = _apply(intent, result)
    assert application.intent.status is IntentStatus.FAILED
    assert application.intent.checkout_request_id == "ws_CO_late"
    assert application.intent.version == intent.version + 1
    assert [e.type for e in application.events] == [EventType.PAYMENT_FAILED]


def test_a_late_success_links_an_expired_lost_answer() -> None:
    lost = b.answer_lost()
    expired, _ = sm.expire_unanswered(lost, now=b.T0 + 10_000)
    application = _apply(expired, b.success(checkout="ws_CO_late"))
    assert application.intent.status is IntentStatus.SUCCEEDED
    assert application.intent.checkout_request_id == "ws_CO_late"
    assert application.intent.version == expired.version + 1
    assert [e.type for e in application.events] == [EventType.SUCCEEDED]
    assert application.events[-1].version == application.intent.version


def test_settling_a_processing_intent_without_mpesa_details_is_refused() -> None:
    broken = msgspec.structs.replace(b.processing(), mpesa=None)
    with pytest.raises(IntentUnexpectedState):
        _apply(broken, b.success(checkout=None))
