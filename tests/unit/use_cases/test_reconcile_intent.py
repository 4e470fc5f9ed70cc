"""ReconcilePaymentIntent: queries only a processing intent, applies final answers, expires lost answers."""

from __future__ import annotations

import pytest

from micropay.domain.errors import CredentialsMissing
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.provider import AttemptKind, AttemptOutcome
from micropay.domain.model.push import PushAnswerLost
from micropay.domain.model.state_machine import UNANSWERED_ATTEMPT_TIMEOUT_SECONDS
from micropay.ports.daraja_gateway import (
    Exchange,
    GatewayError,
    ProviderConfigurationError,
    ProviderUnavailable,
)
from tests.fakes import Accept, final, pending, rejected
from tests.unit.use_cases.world import DEFAULT_SANDBOX, MERCHANT_PAYLOAD, PRODUCTION, SANDBOX, World, callback_body

CHECKOUT = "ws_CO_reconcile_1"


async def _processing(world: World, checkout: str = CHECKOUT) -> str:
    created = await world.new_intent()
    world.gateway.queue_push(Accept(checkout_request_id=checkout))
    await world.confirm(SANDBOX, created.intent.id)
    return created.intent.id


async def _lost_answer(world: World) -> str:
    created = await world.new_intent()
    world.gateway.queue_push(PushAnswerLost(reason="Read timeout."))
    await world.confirm(SANDBOX, created.intent.id)
    return created.intent.id


async def _in_status(world: World, status: IntentStatus) -> str:
    created = await world.new_intent()
    intent_id = created.intent.id
    if status is IntentStatus.CANCELED:
        await world.cancel(SANDBOX, intent_id)
    elif status is IntentStatus.FAILED:
        world.gateway.queue_push(rejected("Locked.", error_code="account_locked", provider_code="8006"))
        await world.confirm(SANDBOX, intent_id)
    elif status is IntentStatus.SUCCEEDED:
        await world.confirm(SANDBOX, intent_id)
        checkout = world.intent(intent_id).checkout_request_id
        await world.handle_callback(world.token(), callback_body(checkout, 0))
    return intent_id


@pytest.mark.parametrize(
    "status",
    [IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.FAILED, IntentStatus.SUCCEEDED, IntentStatus.CANCELED],
)
async def test_reconcile_outside_processing_is_a_no_op_without_a_query(world: World, status: IntentStatus) -> None:
    intent_id = await _in_status(world, status)
    before = world.intent(intent_id)
    rows_before = world.rows(intent_id)

    returned = await world.reconcile(SANDBOX, intent_id)

    assert returned == before == world.intent(intent_id)
    assert returned.status is status
    assert world.gateway.queries == []
    assert world.rows(intent_id) == rows_before


async def test_still_pending_changes_nothing_and_logs_a_pending_query(world: World) -> None:
    intent_id = await _processing(world)
    before = world.intent(intent_id)
    world.gateway.script_query(CHECKOUT, pending())
    world.clock.advance(20)

    returned = await world.reconcile(SANDBOX, intent_id)

    assert returned == before == world.intent(intent_id)
    [query] = world.gateway.queries
    assert (query.checkout_request_id, query.environment, query.credentials) == (
        CHECKOUT,
        SANDBOX.environment,
        DEFAULT_SANDBOX,
    )
    [row] = world.queries(intent_id)
    assert row.kind is AttemptKind.STK_QUERY
    assert row.outcome is AttemptOutcome.PENDING
    assert row.push_id == before.attempt_id
    assert row.checkout_request_id == CHECKOUT
    assert row.response == {"errorCode": "500.001.1001"}
    assert row.http_status == 500
    assert row.created == int(world.clock.now())


async def test_a_final_success_is_applied_and_logged(world: World) -> None:
    intent_id = await _processing(world)
    before = world.intent(intent_id)
    world.gateway.script_query(CHECKOUT, final(CHECKOUT, "0", receipt_number="QRY123"))

    returned = await world.reconcile(SANDBOX, intent_id)

    stored = world.intent(intent_id)
    assert returned == stored
    assert stored.status is IntentStatus.SUCCEEDED
    assert stored.mpesa is not None
    assert stored.mpesa.receipt_number == "QRY123"
    assert stored.version == before.version + 1
    [row] = world.queries(intent_id)
    assert row.outcome is AttemptOutcome.APPLIED
    assert row.response == {"ResultCode": "0"}
    assert row.checkout_request_id == CHECKOUT


@pytest.mark.parametrize(("code", "error_code"), [("1032", "canceled_by_customer"), ("1", "insufficient_funds")])
async def test_a_final_failure_is_applied_and_logged(world: World, code: str, error_code: str) -> None:
    intent_id = await _processing(world)
    world.gateway.script_query(CHECKOUT, final(CHECKOUT, code))

    await world.reconcile(SANDBOX, intent_id)

    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.FAILED
    assert stored.last_payment_error is not None
    assert (stored.last_payment_error.code, stored.last_payment_error.mpesa_result_code) == (error_code, code)
    assert [r.outcome for r in world.queries(intent_id)] == [AttemptOutcome.APPLIED]


async def test_pending_then_final_over_two_reconciles(world: World) -> None:
    intent_id = await _processing(world)
    world.gateway.script_query(CHECKOUT, pending(), final(CHECKOUT, "0"))

    await world.reconcile(SANDBOX, intent_id)
    assert world.intent(intent_id).status is IntentStatus.PROCESSING
    world.clock.advance(10)
    await world.reconcile(SANDBOX, intent_id)

    assert world.intent(intent_id).status is IntentStatus.SUCCEEDED
    assert [r.outcome for r in world.queries(intent_id)] == [AttemptOutcome.PENDING, AttemptOutcome.APPLIED]


@pytest.mark.parametrize(
    "error",
    [
        ProviderUnavailable("Daraja is down.", Exchange(response={"fault": "503"}, http_status=503)),
        ProviderConfigurationError("Wrong credentials."),
    ],
    ids=["unavailable", "misconfigured"],
)
async def test_a_gateway_error_is_raised_and_logged_as_error(world: World, error: GatewayError) -> None:
    intent_id = await _processing(world)
    before = world.intent(intent_id)
    world.gateway.script_query(CHECKOUT, error)

    with pytest.raises(type(error)) as raised:
        await world.reconcile(SANDBOX, intent_id)

    assert raised.value is error
    assert world.intent(intent_id) == before
    [row] = world.queries(intent_id)
    assert row.outcome is AttemptOutcome.ERROR
    assert row.checkout_request_id == CHECKOUT
    if error.exchange is not None:
        assert (row.response, row.http_status) == (error.exchange.response, error.exchange.http_status)


async def test_the_query_uses_the_merchants_own_credentials(world: World) -> None:
    await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)
    intent_id = await _processing(world)

    await world.reconcile(SANDBOX, intent_id)

    assert world.gateway.queries[0].credentials.business_short_code == MERCHANT_PAYLOAD["business_short_code"]


async def test_a_query_without_credentials_is_refused(world: World) -> None:
    await world.set_credentials(PRODUCTION, {**MERCHANT_PAYLOAD})
    created = await world.new_intent(PRODUCTION)
    await world.confirm(PRODUCTION, created.intent.id)
    await world.delete_credentials(PRODUCTION)
    before = world.intent(created.intent.id)

    with pytest.raises(CredentialsMissing):
        await world.reconcile(PRODUCTION, created.intent.id)

    assert world.intent(created.intent.id) == before
    assert world.gateway.queries == []


async def test_a_lost_answer_is_left_alone_before_the_timeout(world: World) -> None:
    intent_id = await _lost_answer(world)
    before = world.intent(intent_id)
    world.clock.advance(UNANSWERED_ATTEMPT_TIMEOUT_SECONDS - 1)

    returned = await world.reconcile(SANDBOX, intent_id)

    assert returned == before == world.intent(intent_id)
    assert world.gateway.queries == []
    assert world.queries(intent_id) == []


async def test_a_lost_answer_expires_after_the_timeout(world: World) -> None:
    intent_id = await _lost_answer(world)
    before = world.intent(intent_id)
    world.clock.advance(UNANSWERED_ATTEMPT_TIMEOUT_SECONDS)

    returned = await world.reconcile(SANDBOX, intent_id)

    stored = world.intent(intent_id)
    assert returned == stored
    assert stored.status is IntentStatus.FAILED
    assert stored.last_payment_error is not None
    assert (stored.last_payment_error.code, stored.last_payment_error.mpesa_result_code) == ("expired", None)
    assert stored.updated == int(world.clock.now())
    assert stored.version == before.version + 1
    assert world.gateway.queries == []


async def test_a_late_success_callback_after_expiry_still_succeeds(world: World) -> None:
    intent_id = await _lost_answer(world)
    world.clock.advance(UNANSWERED_ATTEMPT_TIMEOUT_SECONDS + 60)
    await world.reconcile(SANDBOX, intent_id)
    assert world.intent(intent_id).status is IntentStatus.FAILED

    outcome = await world.handle_callback(world.token(), callback_body("ws_CO_late", 0))

    assert outcome is AttemptOutcome.APPLIED
    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.SUCCEEDED
    assert stored.last_payment_error is None
    assert stored.checkout_request_id == "ws_CO_late"


async def test_a_query_row_names_the_push_it_queried_even_if_the_intent_moved_on(world: World) -> None:
    """The intent is failed and retried while the query is in flight: the old push's success still wins (the
    first money that moved), and the log row names the queried push and its CheckoutRequestID."""
    intent_id = await _processing(world, checkout="ws_CO_first")
    first_push = world.intent(intent_id).attempt_id
    world.gateway.script_query("ws_CO_first", final("ws_CO_first", "0"))

    async def fail_and_retry() -> None:
        await world.handle_callback(world.token(1), callback_body("ws_CO_first", 1032))
        world.gateway.queue_push(Accept(checkout_request_id="ws_CO_second"))
        await world.confirm(SANDBOX, intent_id)

    world.gateway.before_query_answer = fail_and_retry
    returned = await world.reconcile(SANDBOX, intent_id)

    stored = world.intent(intent_id)
    assert returned == stored
    assert stored.status is IntentStatus.SUCCEEDED
    assert (stored.attempt_id, stored.checkout_request_id) == (first_push, "ws_CO_first")
    [row] = world.queries(intent_id)
    assert row.outcome is AttemptOutcome.APPLIED
    assert row.push_id == first_push
    assert row.checkout_request_id == "ws_CO_first"


async def test_a_callback_that_settles_during_the_query_makes_the_answer_a_duplicate(world: World) -> None:
    intent_id = await _processing(world)
    world.gateway.script_query(CHECKOUT, final(CHECKOUT, "0"))

    async def callback_first() -> None:
        await world.handle_callback(world.token(), callback_body(CHECKOUT, 0))

    world.gateway.before_query_answer = callback_first
    await world.reconcile(SANDBOX, intent_id)

    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.SUCCEEDED
    assert [r.outcome for r in world.queries(intent_id)] == [AttemptOutcome.DUPLICATE]


async def test_a_lost_answer_settled_by_a_callback_while_expiring_is_not_an_error(world: World) -> None:
    """The callback commits between reconcile's read and its write: reconcile must re-read, not fail."""
    intent_id = await _lost_answer(world)
    world.clock.advance(UNANSWERED_ATTEMPT_TIMEOUT_SECONDS)

    async def callback_first() -> None:
        await world.handle_callback(world.token(), callback_body("ws_CO_cb", 0))

    world.uow_factory.before_next_commit = callback_first
    returned = await world.reconcile(SANDBOX, intent_id)

    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.SUCCEEDED
    assert returned == stored


async def test_a_pending_answer_or_a_failed_call_marks_the_intent_asked_with_its_log_row(world: World) -> None:
    intent_id = await _processing(world)
    before = world.intent(intent_id)
    world.gateway.script_query(CHECKOUT, pending(), ProviderUnavailable("Daraja is down."), pending())
    world.clock.advance(20)
    commits = world.db.commits

    await world.reconcile(SANDBOX, intent_id)

    assert world.db.reconciled_at == {intent_id: int(world.clock.now())}
    assert world.db.commits == commits + 1  # the log row and the mark: one transaction
    assert world.intent(intent_id) == before  # not a transition: same version, same updated

    world.clock.advance(30)
    with pytest.raises(ProviderUnavailable):
        await world.reconcile(SANDBOX, intent_id)
    assert world.db.reconciled_at == {intent_id: int(world.clock.now())}
    assert [row.outcome for row in world.queries(intent_id)] == [AttemptOutcome.PENDING, AttemptOutcome.ERROR]
    assert world.intent(intent_id) == before


async def test_a_final_answer_is_a_transition_that_clears_the_mark(world: World) -> None:
    intent_id = await _processing(world)
    world.gateway.script_query(CHECKOUT, pending(), final(CHECKOUT, "0", amount=150_000, receipt_number="R9"))
    await world.reconcile(SANDBOX, intent_id)
    assert intent_id in world.db.reconciled_at
    world.clock.advance(10)

    settled = await world.reconcile(SANDBOX, intent_id)

    assert settled.status is IntentStatus.SUCCEEDED
    assert settled.updated == int(world.clock.now())
    assert world.db.reconciled_at == {}
