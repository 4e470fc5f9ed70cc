"""settle_push: the pure decision a push's verdict makes, for the current attempt and for a settled one."""

from __future__ import annotations

import msgspec
import pytest

from micropay.domain.model import state_machine as sm
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.events import EventType
from micropay.domain.model.intent import PROMPT_TTL_SECONDS, IntentStatus
from micropay.domain.model.provider import AttemptKind, AttemptOutcome
from micropay.domain.model.push import PushAccepted, PushAnswerLost, PushNotSent, PushRejected, settle_push
from tests.unit.domain import builders as b

NOW = b.T0 + 10


def test_accepted_records_the_checkout_and_the_prompt_deadline() -> None:
    claimed = b.processing()
    settled = settle_push(
        claimed, attempt_id="pa_1", verdict=PushAccepted(checkout_request_id="ws_CO_9"), restore=b.created(), now=NOW
    )
    assert (settled.outcome, settled.changed, settled.checkout_request_id) == (AttemptOutcome.ACCEPTED, True, "ws_CO_9")
    assert settled.intent.checkout_request_id == "ws_CO_9"
    assert settled.intent.next_action_expires_at == NOW + PROMPT_TTL_SECONDS
    assert settled.events == []


def test_rejected_fails_the_intent_with_one_event() -> None:
    error = b.rejection_error()
    settled = settle_push(
        b.processing(), attempt_id="pa_1", verdict=PushRejected(error=error), restore=b.created(), now=NOW
    )
    assert (settled.outcome, settled.intent.status, settled.intent.last_payment_error) == (
        AttemptOutcome.REJECTED,
        IntentStatus.FAILED,
        error,
    )
    assert [e.type for e in settled.events] == [EventType.PAYMENT_FAILED]


@pytest.mark.parametrize("misconfigured", [False, True])
def test_not_sent_restores_the_intent(misconfigured: bool) -> None:
    original = b.created()
    claimed = b.processing(base=original)
    settled = settle_push(
        claimed, attempt_id="pa_1", verdict=PushNotSent(misconfigured=misconfigured), restore=original, now=NOW
    )
    assert settled.outcome is AttemptOutcome.NOT_SENT
    assert settled.intent == msgspec.structs.replace(original, version=claimed.version + 1)


def test_answer_lost_stays_processing_and_is_never_repushed() -> None:
    settled = settle_push(b.processing(), attempt_id="pa_1", verdict=PushAnswerLost(), restore=b.created(), now=NOW)
    assert (settled.outcome, settled.intent.status, settled.changed) == (
        AttemptOutcome.ANSWER_LOST,
        IntentStatus.PROCESSING,
        True,
    )
    assert settled.intent.next_action_expires_at == NOW + PROMPT_TTL_SECONDS


@pytest.mark.parametrize(
    "verdict",
    [
        PushAccepted(checkout_request_id="ws_CO_x"),
        PushRejected(error=b.rejection_error()),
        PushNotSent(),
        PushAnswerLost(),
    ],
)
def test_a_push_whose_attempt_was_settled_meanwhile_only_records_its_outcome(verdict: object) -> None:
    paid = b.succeeded()  # a callback settled the attempt before the push's answer was recorded
    settled = settle_push(paid, attempt_id="pa_1", verdict=verdict, restore=b.created(), now=NOW)  # type: ignore[arg-type]
    assert settled.intent is paid
    assert (settled.changed, settled.events) == (False, [])


def test_a_lost_answer_after_a_callback_linked_the_checkout_changes_nothing() -> None:
    linked = b.accepted()
    settled = settle_push(linked, attempt_id="pa_1", verdict=PushAnswerLost(), restore=b.created(), now=NOW)
    assert settled.intent is linked
    assert settled.outcome is AttemptOutcome.ANSWER_LOST


def test_the_provider_log_factories_build_each_kind_of_row() -> None:
    push = ProviderAttempt.push(
        attempt_id="pa_1", intent_id=b.INTENT_ID, tenant=b.TENANT, token_hash="h" * 64, token_hint="AbC123", now=b.T0
    )
    assert (push.kind, push.push_id, push.outcome, push.callback_token_hint) == (
        AttemptKind.STK_PUSH,
        "pa_1",
        None,
        "AbC123",
    )
    done = push.with_exchange(
        AttemptOutcome.ACCEPTED, request={"a": 1}, response=None, http_status=200, checkout_request_id="ws_1", now=NOW
    )
    assert (done.outcome, done.request, done.response, done.http_status, done.checkout_request_id, done.updated) == (
        AttemptOutcome.ACCEPTED,
        {"a": 1},
        None,
        200,
        "ws_1",
        NOW,
    )
    assert (
        done.with_exchange(
            AttemptOutcome.ANSWER_LOST, request=None, response=None, http_status=None, checkout_request_id=None, now=NOW
        ).checkout_request_id
        == "ws_1"
    )  # only ever filled in
    callback = ProviderAttempt.callback(
        attempt_id="pa_2", intent_id=b.INTENT_ID, tenant=b.TENANT, push_id="pa_1", body={"Body": {}}, now=NOW
    )
    assert (callback.kind, callback.push_id, callback.request, callback.outcome) == (
        AttemptKind.CALLBACK,
        "pa_1",
        {"Body": {}},
        None,
    )
    query = ProviderAttempt.query(
        attempt_id="pa_3",
        intent_id=b.INTENT_ID,
        tenant=b.TENANT,
        push_id="pa_1",
        checkout_request_id="ws_1",
        outcome=AttemptOutcome.PENDING,
        request={"q": 1},
        response={"r": 2},
        http_status=500,
        now=NOW,
    )
    assert (query.kind, query.outcome, query.updated, query.environment) == (
        AttemptKind.STK_QUERY,
        AttemptOutcome.PENDING,
        NOW,
        b.TENANT.environment,
    )
    assert sm.UNANSWERED_ATTEMPT_TIMEOUT_SECONDS == 300
