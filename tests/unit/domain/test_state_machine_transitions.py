"""The PaymentIntent transitions other than applying a result: create, confirm, accept, lose, reject, abandon,
expire, cancel."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest

from micropay.domain.errors import IntentUnexpectedState, InvalidParameter
from micropay.domain.model import state_machine as sm
from micropay.domain.model.events import EventType, IntentEvent
from micropay.domain.model.intent import PROMPT_TTL_SECONDS, IntentStatus, MpesaDetails, PaymentIntent
from micropay.domain.model.money import Money
from micropay.domain.model.msisdn import Msisdn
from tests.unit.domain import builders as b

Maker = Callable[[], PaymentIntent]
Move = Callable[[PaymentIntent, str], sm.Transition]


def test_create_makes_a_version_1_intent_that_requires_a_payment_method() -> None:
    intent = b.created()
    assert intent.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert (intent.version, intent.amount, intent.currency) == (1, b.AMOUNT, "kes")
    assert (intent.merchant_id, intent.environment) == (b.TENANT.merchant_id, b.TENANT.environment)
    assert (intent.phone_number, intent.created, intent.updated) == (b.PHONE, b.T0, b.T0)
    assert intent.attempt_id is None
    assert intent.mpesa is None
    assert intent.attempt_count == 0


def test_create_emits_one_created_event_and_copies_the_metadata() -> None:
    metadata = {"order_id": "1"}
    intent, events = sm.create(
        intent_id=b.INTENT_ID,
        tenant=b.TENANT,
        money=Money(amount=100),
        phone=None,
        account_reference="A1",
        description=None,
        metadata=metadata,
        secret_hash="h",
        now=b.T0,
    )
    metadata["order_id"] = "changed"
    assert intent.metadata == {"order_id": "1"}
    assert intent.phone_number is None
    assert events == [IntentEvent(type=EventType.CREATED, intent_id=b.INTENT_ID, version=1, at=b.T0)]


def test_start_attempt_moves_to_processing_with_the_intents_phone() -> None:
    intent, events = sm.start_attempt(b.created(), attempt_id="pa_1", phone=None, now=b.T0 + 5)
    assert intent.status is IntentStatus.PROCESSING
    assert (intent.version, intent.attempt_id, intent.attempt_count, intent.updated) == (2, "pa_1", 1, b.T0 + 5)
    assert intent.mpesa == MpesaDetails(phone_number=b.PHONE)
    assert events == [IntentEvent(type=EventType.PROCESSING, intent_id=b.INTENT_ID, version=2, at=b.T0 + 5)]


def test_start_attempt_prefers_the_phone_given_at_confirm() -> None:
    intent, _ = sm.start_attempt(b.created(), attempt_id="pa_1", phone=Msisdn("254110000000"), now=b.T0)
    assert intent.phone_number == "254110000000"
    assert intent.mpesa is not None
    assert intent.mpesa.phone_number == "254110000000"


def test_start_attempt_without_any_phone_is_a_missing_parameter() -> None:
    with pytest.raises(InvalidParameter) as raised:
        sm.start_attempt(b.created(phone=None), attempt_id="pa_1", phone=None, now=b.T0)
    assert (raised.value.param, raised.value.code) == ("phone_number", "parameter_missing")


def test_a_retry_from_failed_starts_a_fresh_attempt() -> None:
    failed = b.failed()
    intent, _ = sm.start_attempt(failed, attempt_id="pa_2", phone=None, now=b.T0 + 10)
    assert intent.status is IntentStatus.PROCESSING
    assert (intent.attempt_id, intent.attempt_count, intent.version) == ("pa_2", 2, failed.version + 1)
    assert intent.last_payment_error is None
    assert intent.next_action_expires_at is None
    assert intent.mpesa == MpesaDetails(phone_number=b.PHONE)


@pytest.mark.parametrize("make", [b.processing, b.succeeded, b.canceled])
def test_confirm_is_refused_outside_requires_payment_method_and_failed(make: Maker) -> None:
    intent = make()
    with pytest.raises(IntentUnexpectedState) as raised:
        sm.start_attempt(intent, attempt_id="pa_9", phone=None, now=b.T0)
    assert (raised.value.code, raised.value.action, raised.value.status) == (
        "intent_unexpected_state",
        "confirm",
        intent.status,
    )


def test_accept_records_the_checkout_and_sets_the_prompt_deadline() -> None:
    before = b.processing()
    intent, events = sm.accept_attempt(
        before, attempt_id="pa_1", checkout_request_id="ws_CO_9", merchant_request_id="mr-9", now=b.T0 + 7
    )
    assert intent.status is IntentStatus.PROCESSING
    assert intent.version == before.version + 1
    assert intent.checkout_request_id == "ws_CO_9"
    assert intent.mpesa is not None
    assert intent.mpesa.merchant_request_id == "mr-9"
    assert intent.next_action_expires_at == b.T0 + 7 + PROMPT_TTL_SECONDS
    assert events == []  # still processing: no status change, no public event


def test_a_lost_answer_stays_processing_without_a_checkout_id() -> None:
    before = b.processing()
    intent, events = sm.attempt_answer_lost(before, attempt_id="pa_1", now=b.T0 + 8)
    assert intent.status is IntentStatus.PROCESSING
    assert intent.version == before.version + 1
    assert intent.checkout_request_id is None
    assert intent.next_action_expires_at == b.T0 + 8 + PROMPT_TTL_SECONDS
    assert events == []  # still processing: no status change, no public event


def test_reject_fails_the_intent_with_the_given_error() -> None:
    before = b.processing()
    error = b.rejection_error()
    intent, events = sm.reject_attempt(before, attempt_id="pa_1", error=error, now=b.T0 + 9)
    assert intent.status is IntentStatus.FAILED
    assert intent.version == before.version + 1
    assert intent.last_payment_error == error
    assert intent.next_action_expires_at is None
    assert events == [
        IntentEvent(type=EventType.PAYMENT_FAILED, intent_id=b.INTENT_ID, version=intent.version, at=b.T0 + 9)
    ]


def _accept(intent: PaymentIntent, attempt_id: str) -> sm.Transition:
    return sm.accept_attempt(intent, attempt_id=attempt_id, checkout_request_id="c", merchant_request_id=None, now=0)


def _lose(intent: PaymentIntent, attempt_id: str) -> sm.Transition:
    return sm.attempt_answer_lost(intent, attempt_id=attempt_id, now=0)


def _reject(intent: PaymentIntent, attempt_id: str) -> sm.Transition:
    return sm.reject_attempt(intent, attempt_id=attempt_id, error=b.rejection_error(), now=0)


def _abandon(intent: PaymentIntent, attempt_id: str) -> sm.Transition:
    return sm.abandon_attempt(intent, attempt_id=attempt_id, restore=b.created(), now=0)


ATTEMPT_MOVES = [_accept, _lose, _reject, _abandon]


@pytest.mark.parametrize("move", ATTEMPT_MOVES)
@pytest.mark.parametrize("make", [b.created, b.failed, b.succeeded, b.canceled])
def test_attempt_moves_need_a_processing_intent(move: Move, make: Maker) -> None:
    with pytest.raises(IntentUnexpectedState):
        move(make(), "pa_1")


@pytest.mark.parametrize("move", ATTEMPT_MOVES)
def test_attempt_moves_need_the_current_attempt(move: Move) -> None:
    with pytest.raises(IntentUnexpectedState):
        move(b.processing("pa_1"), "pa_other")


def test_accepting_for_a_processing_intent_without_mpesa_details_is_refused() -> None:
    broken = msgspec.structs.replace(b.processing(), mpesa=None)
    with pytest.raises(IntentUnexpectedState):
        _accept(broken, "pa_1")


def test_abandon_restores_the_intent_as_it_was_with_the_next_version() -> None:
    original = b.created()
    claimed = b.processing(base=original, now=b.T0 + 30)
    intent, events = sm.abandon_attempt(claimed, attempt_id="pa_1", restore=original, now=b.T0 + 31)
    assert intent == msgspec.structs.replace(original, version=claimed.version + 1)
    assert intent.updated == original.updated  # nothing the merchant sees changed
    # back from processing: the attempt failed (as Stripe says it), the intent may be confirmed again
    assert events == [
        IntentEvent(type=EventType.PAYMENT_FAILED, intent_id=b.INTENT_ID, version=intent.version, at=b.T0 + 31)
    ]


def test_abandon_of_a_retry_restores_the_failed_intent() -> None:
    original = b.failed()
    claimed = b.processing("pa_2", base=original)
    intent, _ = sm.abandon_attempt(claimed, attempt_id="pa_2", restore=original, now=b.T0 + 40)
    assert intent.status is IntentStatus.FAILED
    assert intent.attempt_id == "pa_1"
    assert intent.last_payment_error == original.last_payment_error
    assert intent.version == claimed.version + 1


def test_abandon_refuses_a_snapshot_of_another_intent_or_a_non_confirmable_one() -> None:
    claimed = b.processing()
    with pytest.raises(IntentUnexpectedState):
        sm.abandon_attempt(claimed, attempt_id="pa_1", restore=msgspec.structs.replace(b.created(), id="pi_x"), now=0)
    with pytest.raises(IntentUnexpectedState):
        sm.abandon_attempt(claimed, attempt_id="pa_1", restore=claimed, now=0)


def test_abandon_refuses_an_accepted_push() -> None:
    with pytest.raises(IntentUnexpectedState):
        sm.abandon_attempt(b.accepted(), attempt_id="pa_1", restore=b.created(), now=0)


def test_abandon_refuses_a_push_whose_answer_was_lost_it_may_have_happened() -> None:
    with pytest.raises(IntentUnexpectedState):
        sm.abandon_attempt(b.answer_lost(), attempt_id="pa_1", restore=b.created(), now=0)


def test_expire_fails_a_lost_answer_after_the_unanswered_timeout() -> None:
    lost = b.answer_lost(now=b.T0 + 100)
    deadline = b.T0 + 100 + sm.UNANSWERED_ATTEMPT_TIMEOUT_SECONDS
    assert not sm.is_unanswered_too_long(lost, deadline - 1)
    with pytest.raises(IntentUnexpectedState):
        sm.expire_unanswered(lost, now=deadline - 1)
    assert sm.is_unanswered_too_long(lost, deadline)
    intent, events = sm.expire_unanswered(lost, now=deadline)
    assert intent.status is IntentStatus.FAILED
    assert intent.version == lost.version + 1
    assert intent.last_payment_error is not None
    assert (intent.last_payment_error.code, intent.last_payment_error.mpesa_result_code) == ("expired", None)
    assert events == [
        IntentEvent(type=EventType.PAYMENT_FAILED, intent_id=b.INTENT_ID, version=intent.version, at=deadline)
    ]


def test_a_claim_whose_answer_was_never_recorded_expires_from_the_claim_time() -> None:
    # The process died between the claim and recording the push's answer: no expiry, no checkout id.
    claimed = b.processing()
    assert claimed.next_action_expires_at is None
    deadline = claimed.updated + sm.UNANSWERED_ATTEMPT_TIMEOUT_SECONDS
    assert not sm.is_unanswered_too_long(claimed, deadline - 1)
    assert sm.is_unanswered_too_long(claimed, deadline)
    expired, _ = sm.expire_unanswered(claimed, now=deadline)
    assert expired.status is IntentStatus.FAILED


@pytest.mark.parametrize("make", [b.created, b.accepted, b.failed, b.succeeded, b.canceled])
def test_only_a_push_without_checkout_id_can_expire(make: Maker) -> None:
    intent = make()
    far_future = b.T0 + 10**6
    assert not sm.is_unanswered_too_long(intent, far_future)
    with pytest.raises(IntentUnexpectedState) as raised:
        sm.expire_unanswered(intent, now=far_future)
    assert raised.value.action == "expire"


@pytest.mark.parametrize("make", [b.created, b.failed])
def test_cancel_from_requires_payment_method_or_failed(make: Maker) -> None:
    before = make()
    intent, events = sm.cancel(before, reason="abandoned", now=b.T0 + 60)
    assert intent.status is IntentStatus.CANCELED
    assert intent.version == before.version + 1
    assert (intent.canceled_at, intent.cancellation_reason, intent.next_action_expires_at) == (
        b.T0 + 60,
        "abandoned",
        None,
    )
    assert events == [IntentEvent(type=EventType.CANCELED, intent_id=b.INTENT_ID, version=intent.version, at=b.T0 + 60)]


@pytest.mark.parametrize("make", [b.processing, b.succeeded, b.canceled])
def test_cancel_is_refused_elsewhere(make: Maker) -> None:
    with pytest.raises(IntentUnexpectedState) as raised:
        sm.cancel(make(), reason=None, now=0)
    assert raised.value.action == "cancel"


def test_updated_never_moves_backwards() -> None:
    intent, _ = sm.cancel(b.created(now=b.T0), reason=None, now=b.T0 - 100)
    assert intent.updated == b.T0


# What a refused transition says: the contract's ``intent_unexpected_state`` message names the action and the
# status (the mutation run, docs/testing.md, found these words unchecked).


def _message(action: Callable[[], object]) -> str:
    with pytest.raises(IntentUnexpectedState) as raised:
        action()
    return raised.value.message


def test_each_refused_transition_names_its_action_and_the_status() -> None:
    created, accepted = b.created(), b.accepted()
    cases = {
        "confirm": (lambda: sm.start_attempt(b.succeeded(), attempt_id="pa_9", phone=None, now=b.T0), "succeeded"),
        "accept an STK push for": (
            lambda: sm.accept_attempt(
                created, attempt_id="pa_1", checkout_request_id="ws", merchant_request_id=None, now=b.T0
            ),
            "requires_payment_method",
        ),
        "record a lost answer for": (
            lambda: sm.attempt_answer_lost(created, attempt_id="pa_1", now=b.T0),
            "requires_payment_method",
        ),
        "reject an STK push for": (
            lambda: sm.reject_attempt(created, attempt_id="pa_1", error=b.rejection_error(), now=b.T0),
            "requires_payment_method",
        ),
        "abandon an STK push for": (
            lambda: sm.abandon_attempt(created, attempt_id="pa_1", restore=created, now=b.T0),
            "requires_payment_method",
        ),
        "abandon an accepted STK push for": (
            lambda: sm.abandon_attempt(accepted, attempt_id="pa_1", restore=created, now=b.T0),
            "processing",
        ),
        "settle an attempt for": (
            lambda: sm.accept_attempt(
                msgspec.structs.replace(b.processing(), mpesa=None),
                attempt_id="pa_1",
                checkout_request_id="ws",
                merchant_request_id=None,
                now=b.T0,
            ),
            "processing",
        ),
        "cancel": (lambda: sm.cancel(b.succeeded(), reason=None, now=b.T0), "succeeded"),
        "expire": (lambda: sm.expire_unanswered(accepted, now=b.T0 + 10_000), "processing"),
    }
    for action, (make, status) in cases.items():
        assert _message(make) == f"You cannot {action} this PaymentIntent because it has a status of {status}."


def test_a_confirm_without_any_phone_number_says_to_pass_one() -> None:
    with pytest.raises(InvalidParameter) as raised:
        sm.start_attempt(b.created(phone=None), attempt_id="pa_1", phone=None, now=b.T0)

    assert (raised.value.param, raised.value.code) == ("phone_number", "parameter_missing")
    assert raised.value.message == "This PaymentIntent has no phone_number: pass one to confirm it."


def test_an_unanswered_attempt_expires_after_exactly_300_seconds() -> None:
    assert sm.UNANSWERED_ATTEMPT_TIMEOUT_SECONDS == 300
    lost = b.answer_lost(now=b.T0 + 2)
    assert not sm.is_unanswered_too_long(lost, b.T0 + 2 + 299)
    assert sm.is_unanswered_too_long(lost, b.T0 + 2 + 300)


def test_a_superseded_success_keeps_the_phone_the_callback_names_or_else_the_intents() -> None:
    newer = b.processing("pa_2", base=b.failed("pa_1"), now=b.T0 + 5)
    with_phone = sm.apply_result(newer, attempt_id="pa_1", result=b.success(checkout="ws_CO_old"), now=b.T0 + 6)
    without = msgspec.structs.replace(b.success(checkout="ws_CO_old"), phone_number=None)
    no_phone = sm.apply_result(newer, attempt_id="pa_1", result=without, now=b.T0 + 6)

    assert with_phone.intent.mpesa is not None
    assert no_phone.intent.mpesa is not None
    assert with_phone.intent.mpesa.phone_number == "254799999999"
    assert no_phone.intent.mpesa.phone_number == b.PHONE
