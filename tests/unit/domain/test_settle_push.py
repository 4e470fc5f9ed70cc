"""settle_push: the pure decision a push's verdict makes, for the current attempt and for a settled one."""

from __future__ import annotations

import msgspec
import pytest

from micropay.domain.model import state_machine as sm
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.events import EventType
from micropay.domain.model.intent import PROMPT_TTL_SECONDS, IntentStatus
from micropay.domain.model.provider import AttemptKind, AttemptOutcome, Exchange
from micropay.domain.model.push import (
    PushAccepted,
    PushAnswerLost,
    PushMisconfigured,
    PushNotSent,
    PushRejected,
    PushVerdict,
    settle_push,
)
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


@pytest.mark.parametrize(
    "verdict", [PushNotSent(), PushNotSent(circuit_open=True, retry_after=30.0), PushMisconfigured()]
)
def test_not_sent_restores_the_intent(verdict: PushVerdict) -> None:
    original = b.created()
    claimed = b.processing(base=original)
    settled = settle_push(claimed, attempt_id="pa_1", verdict=verdict, restore=original, now=NOW)
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
        PushMisconfigured(),
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
        AttemptOutcome.ACCEPTED, Exchange(request={"a": 1}, http_status=200), checkout_request_id="ws_1", now=NOW
    )
    assert (done.outcome, done.request, done.response, done.http_status, done.checkout_request_id, done.updated) == (
        AttemptOutcome.ACCEPTED,
        {"a": 1},
        None,
        200,
        "ws_1",
        NOW,
    )
    assert done.with_exchange(
        AttemptOutcome.ANSWER_LOST, Exchange(), checkout_request_id=None, now=NOW
    ) == msgspec.structs.replace(
        done, outcome=AttemptOutcome.ANSWER_LOST
    )  # what the row has is only ever filled in, never erased
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
        exchange=Exchange(request={"q": 1}, response={"r": 2}, http_status=500),
        now=NOW,
    )
    assert (query.kind, query.outcome, query.updated, query.environment) == (
        AttemptKind.STK_QUERY,
        AttemptOutcome.PENDING,
        NOW,
        b.TENANT.environment,
    )
    assert sm.UNANSWERED_ATTEMPT_TIMEOUT_SECONDS == 300


def test_an_acceptance_after_a_callback_linked_the_checkout_keeps_the_intent_and_names_the_checkout() -> None:
    linked = b.accepted()
    verdict = PushAccepted(checkout_request_id="ws_CO_late", merchant_request_id="mr")
    settled = settle_push(linked, attempt_id="pa_1", verdict=verdict, restore=b.created(), now=NOW)
    assert settled.intent is linked
    assert (settled.outcome, settled.changed, settled.checkout_request_id) == (
        AttemptOutcome.ACCEPTED,
        False,
        "ws_CO_late",
    )


def test_a_verdict_for_another_attempt_of_a_processing_intent_changes_nothing() -> None:
    claimed = b.processing()  # its current attempt is pa_1
    for verdict in (PushRejected(error=b.rejection_error()), PushNotSent(), PushAnswerLost()):
        settled = settle_push(claimed, attempt_id="pa_old", verdict=verdict, restore=b.created(), now=NOW)
        assert (settled.intent, settled.changed, settled.events) == (claimed, False, [])


def test_the_verdicts_are_one_tagged_union() -> None:
    exchange = Exchange(request={"Amount": 15}, response={"ResponseCode": "0"}, http_status=200)
    verdicts: list[PushVerdict] = [
        PushAccepted(checkout_request_id="ws_CO_1", merchant_request_id="mr", exchange=exchange),
        PushRejected(error=b.rejection_error(), exchange=exchange),
        PushNotSent(reason="down", retry_after=60.0, circuit_open=True, exchange=exchange),
        PushMisconfigured(reason="wrong credentials", exchange=exchange),
        PushAnswerLost(reason="read timeout", exchange=exchange),
    ]
    tags = [msgspec.json.decode(msgspec.json.encode(v))["type"] for v in verdicts]
    assert tags == ["accepted", "rejected", "not_sent", "misconfigured", "answer_lost"]
    decoded = [msgspec.json.decode(msgspec.json.encode(v), type=PushVerdict) for v in verdicts]
    assert decoded == verdicts


def test_a_callback_row_gets_its_outcome_and_keeps_its_raw_body() -> None:
    row = ProviderAttempt.callback(
        attempt_id="pa_2", intent_id=b.INTENT_ID, tenant=b.TENANT, push_id="pa_1", body={"Body": {}}, now=b.T0
    )
    done = row.with_exchange(AttemptOutcome.APPLIED, checkout_request_id="ws_1", now=NOW)
    assert done == msgspec.structs.replace(row, outcome=AttemptOutcome.APPLIED, checkout_request_id="ws_1", updated=NOW)
    query = ProviderAttempt.query(
        attempt_id="pa_3",
        intent_id=b.INTENT_ID,
        tenant=b.TENANT,
        push_id="pa_1",
        checkout_request_id=None,
        outcome=AttemptOutcome.ERROR,
        exchange=None,
        now=NOW,
    )
    assert (query.request, query.response, query.http_status, query.outcome) == (None, None, None, AttemptOutcome.ERROR)
