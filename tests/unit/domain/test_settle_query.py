"""settle_query: the pure decision an STK Push Query's answer makes (the reconcile's load -> decide -> save)."""

from __future__ import annotations

from micropay.domain.model import state_machine as sm
from micropay.domain.model.events import EventType
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.provider import AttemptOutcome, PaymentResult
from micropay.domain.model.push import settle_query
from tests.unit.domain import builders as b

NOW = b.T0 + 60


def test_still_processing_changes_nothing_and_marks_the_intent_asked() -> None:
    waiting = b.accepted()
    settled = settle_query(waiting, push_id="pa_1", result=None, now=NOW)
    assert settled.still_processing
    assert settled.application.intent is waiting
    assert (settled.application.outcome, settled.application.changed, settled.application.events) == (
        AttemptOutcome.PENDING,
        False,
        [],
    )


def test_a_final_success_settles_the_intent_as_a_callback_would() -> None:
    waiting = b.accepted()
    result = PaymentResult(result_code="0", result_desc="ok", checkout_request_id="ws_CO_1")
    settled = settle_query(waiting, push_id="pa_1", result=result, now=NOW)
    assert not settled.still_processing
    assert settled.application == sm.apply_result(waiting, attempt_id="pa_1", result=result, now=NOW)
    assert settled.application.intent.status is IntentStatus.SUCCEEDED
    assert [e.type for e in settled.application.events] == [EventType.SUCCEEDED]


def test_a_final_failure_fails_the_intent_with_the_mapped_code() -> None:
    result = PaymentResult(result_code="1032", result_desc="Request cancelled by user", checkout_request_id="ws_CO_1")
    settled = settle_query(b.accepted(), push_id="pa_1", result=result, now=NOW)
    assert not settled.still_processing
    assert settled.application.intent.status is IntentStatus.FAILED
    error = settled.application.intent.last_payment_error
    assert error is not None
    assert (error.code, error.mpesa_result_code) == ("canceled_by_customer", "1032")
    assert [e.type for e in settled.application.events] == [EventType.PAYMENT_FAILED]


def test_an_answer_about_a_superseded_push_leaves_the_intent_alone() -> None:
    retried = b.accepted(attempt_id="pa_2", checkout="ws_CO_2")
    result = PaymentResult(result_code="1032", checkout_request_id="ws_CO_1")
    settled = settle_query(retried, push_id="pa_1", result=result, now=NOW)
    assert not settled.still_processing  # Daraja knew the old push: its row is filled as accepted
    assert settled.application.intent is retried
    assert (settled.application.outcome, settled.application.changed) == (AttemptOutcome.SUPERSEDED, False)
