"""HandleCallback: the intent after a callback, the callback rows, and what is kept when it cannot apply."""

from __future__ import annotations

import asyncio
import logging

import pytest

from micropay.domain.errors import ResourceMissing
from micropay.domain.model.events import Event, UnexpectedPayment
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.provider import AttemptKind, AttemptOutcome
from micropay.domain.model.push import PushAnswerLost
from micropay.domain.use_cases.handle_callback import CallbackMismatch
from micropay.ports.callback_parser import MalformedCallback
from micropay.ports.errors import StorageUnavailable
from tests.fakes import Accept, UnroutableCallback, rejected
from tests.fakes.event_repository import FakeEventRepository
from tests.unit.use_cases.world import PHONE, SANDBOX, World, callback_body

CHECKOUT = "ws_CO_191220191020363925"

#: The contract's map (api-contract.md §3), written out here so that a drift in the code fails a test.
CONTRACT_FAILURES: list[tuple[int | str, str]] = [
    (1, "insufficient_funds"),
    (2, "amount_limit_exceeded"),
    (3, "amount_limit_exceeded"),
    (4, "amount_limit_exceeded"),
    (8, "amount_limit_exceeded"),
    (17, "duplicate_request_rule"),
    (1019, "expired"),
    (1025, "prompt_failed"),
    (9999, "prompt_failed"),
    (1031, "canceled_by_customer"),
    (1032, "canceled_by_customer"),
    (1037, "customer_unreachable"),
    (2001, "wrong_pin"),
    (2028, "merchant_misconfigured"),
    ("SFC_IC0003", "merchant_misconfigured"),
    (8006, "account_locked"),
    (5, "provider_declined"),
    (1001, "provider_declined"),
    ("9998", "provider_declined"),
    ("SFC_IC9999", "provider_declined"),
]


async def _processing(world: World, amount: int = 150_000, checkout: str = CHECKOUT) -> str:
    created = await world.new_intent(amount=amount)
    world.gateway.queue_push(Accept(checkout_request_id=checkout, merchant_request_id="mr-1"))
    await world.confirm(SANDBOX, created.intent.id)
    return created.intent.id


async def test_success_callback_makes_the_intent_succeeded_with_the_receipt(world: World) -> None:
    intent_id = await _processing(world)
    before = world.intent(intent_id)
    world.clock.advance(42)
    body = callback_body(CHECKOUT, 0, amount=1500.0, transaction_date=20260101031500, phone=254712345678)

    outcome = await world.handle_callback(world.token(), body)

    assert outcome is AttemptOutcome.APPLIED
    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.SUCCEEDED
    assert stored.mpesa is not None
    assert stored.mpesa.receipt_number == "NLJ7RT61SV"
    assert stored.mpesa.transaction_date == 1_767_226_500  # 2026-01-01 03:15:00 Nairobi = 00:15:00 UTC
    assert stored.mpesa.phone_number == PHONE
    assert stored.mpesa.checkout_request_id == CHECKOUT
    assert stored.last_payment_error is None
    assert stored.next_action_expires_at is None
    assert stored.updated == int(world.clock.now())
    assert stored.version == before.version + 1
    [row] = world.callbacks(intent_id)
    assert row.kind is AttemptKind.CALLBACK
    assert row.request == body
    assert row.outcome is AttemptOutcome.APPLIED
    assert row.push_id == before.attempt_id
    assert row.checkout_request_id == CHECKOUT
    assert row.created == int(world.clock.now())


async def test_a_success_callback_with_the_code_as_a_string_also_applies(world: World) -> None:
    intent_id = await _processing(world)

    await world.handle_callback(world.token(), callback_body(CHECKOUT, "0"))

    assert world.intent(intent_id).status is IntentStatus.SUCCEEDED


@pytest.mark.parametrize(("result_code", "error_code"), CONTRACT_FAILURES, ids=[str(c) for c, _ in CONTRACT_FAILURES])
async def test_failure_codes_map_per_the_contract(world: World, result_code: int | str, error_code: str) -> None:
    intent_id = await _processing(world)

    outcome = await world.handle_callback(world.token(), callback_body(CHECKOUT, result_code))

    assert outcome is AttemptOutcome.APPLIED
    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.FAILED
    assert stored.last_payment_error is not None
    assert stored.last_payment_error.code == error_code
    assert stored.last_payment_error.mpesa_result_code == str(result_code)
    assert stored.last_payment_error.message
    assert stored.next_action_expires_at is None
    assert world.callbacks(intent_id)[0].outcome is AttemptOutcome.APPLIED


@pytest.mark.parametrize("result_code", [0, 1032])
async def test_a_duplicate_callback_changes_nothing_and_is_still_logged(world: World, result_code: int) -> None:
    intent_id = await _processing(world)
    body = callback_body(CHECKOUT, result_code)
    await world.handle_callback(world.token(), body)
    settled = world.intent(intent_id)
    world.clock.advance(5)

    outcome = await world.handle_callback(world.token(), body)

    assert outcome is AttemptOutcome.DUPLICATE
    assert world.intent(intent_id) == settled
    first, second = world.callbacks(intent_id)
    assert (first.outcome, second.outcome) == (AttemptOutcome.APPLIED, AttemptOutcome.DUPLICATE)
    assert second.request == body


async def test_a_failure_after_success_changes_nothing(world: World) -> None:
    intent_id = await _processing(world)
    await world.handle_callback(world.token(), callback_body(CHECKOUT, 0))
    succeeded = world.intent(intent_id)

    outcome = await world.handle_callback(world.token(), callback_body(CHECKOUT, 1032))

    assert outcome is AttemptOutcome.DUPLICATE
    assert world.intent(intent_id) == succeeded


@pytest.mark.parametrize("paid", [1499.0, 1501.0, 15.0, 150000.0])
async def test_a_success_for_another_amount_is_refused_and_flagged(world: World, paid: float) -> None:
    intent_id = await _processing(world, amount=150_000)
    before = world.intent(intent_id)

    outcome = await world.handle_callback(world.token(), callback_body(CHECKOUT, 0, amount=paid))

    assert outcome is AttemptOutcome.AMOUNT_MISMATCH
    assert world.intent(intent_id) == before
    [row] = world.callbacks(intent_id)
    assert row.outcome is AttemptOutcome.AMOUNT_MISMATCH


async def test_a_success_without_an_amount_applies(world: World) -> None:
    intent_id = await _processing(world)

    outcome = await world.handle_callback(world.token(), callback_body(CHECKOUT, 0, amount=None))

    assert outcome is AttemptOutcome.APPLIED
    assert world.intent(intent_id).status is IntentStatus.SUCCEEDED


async def test_an_unknown_token_is_resource_missing_and_the_body_is_kept(world: World) -> None:
    intent_id = await _processing(world)
    before = world.intent(intent_id)
    body = callback_body(CHECKOUT, 0)
    token = "zzzzzzunknowntokenunknowntoken00"

    with pytest.raises(ResourceMissing) as raised:
        await world.handle_callback(token, body)

    assert raised.value.param == "token"
    assert token not in raised.value.message
    assert world.db.unroutable_callbacks == [
        UnroutableCallback(token_hint="zzzzzz", body=body, received_at=int(world.clock.now()))
    ]
    assert world.intent(intent_id) == before
    assert world.callbacks(intent_id) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"Body": {}},
        {"Body": {"stkCallback": {"CheckoutRequestID": CHECKOUT}}},
        {"Body": {"stkCallback": {"ResultCode": "", "CheckoutRequestID": CHECKOUT}}},
        callback_body(None, 0),
        "not json at all",
        None,
    ],
    ids=["empty", "no-callback", "no-result-code", "blank-result-code", "no-checkout-id", "string", "null"],
)
async def test_a_malformed_body_is_refused_and_stored_raw_as_invalid(world: World, body: object) -> None:
    intent_id = await _processing(world)
    before = world.intent(intent_id)

    with pytest.raises(MalformedCallback):
        await world.handle_callback(world.token(), body)

    assert world.intent(intent_id) == before
    [row] = world.callbacks(intent_id)
    assert row.request == body
    assert row.outcome is AttemptOutcome.INVALID
    assert row.push_id == before.attempt_id


async def test_a_callback_for_another_checkout_id_is_refused(world: World) -> None:
    intent_id = await _processing(world)
    before = world.intent(intent_id)

    with pytest.raises(CallbackMismatch) as raised:
        await world.handle_callback(world.token(), callback_body("ws_CO_someone_else", 0))

    assert raised.value.param == "CheckoutRequestID"
    assert world.intent(intent_id) == before
    [row] = world.callbacks(intent_id)
    assert row.outcome is AttemptOutcome.INVALID
    [push] = world.pushes(intent_id)
    assert push.checkout_request_id == CHECKOUT


@pytest.mark.parametrize(("result_code", "status"), [(0, IntentStatus.SUCCEEDED), (1037, IntentStatus.FAILED)])
async def test_a_callback_fills_in_the_checkout_id_of_a_lost_answer_push(
    world: World, result_code: int, status: IntentStatus
) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(PushAnswerLost(reason="Read timeout."))
    await world.confirm(SANDBOX, created.intent.id)
    lost = world.intent(created.intent.id)
    assert lost.checkout_request_id is None

    outcome = await world.handle_callback(world.token(), callback_body("ws_CO_found", result_code))

    assert outcome is AttemptOutcome.APPLIED
    stored = world.intent(created.intent.id)
    assert stored.status is status
    assert stored.checkout_request_id == "ws_CO_found"
    assert stored.mpesa is not None
    assert stored.mpesa.merchant_request_id == "29115-34620561-1"
    assert stored.version == lost.version + 1  # linking is part of the settlement: one saved change
    [push] = world.pushes(created.intent.id)
    assert push.checkout_request_id == "ws_CO_found"
    assert push.outcome is AttemptOutcome.ANSWER_LOST
    [row] = world.callbacks(created.intent.id)
    assert row.checkout_request_id == "ws_CO_found"


async def test_after_the_lost_answer_is_filled_in_another_checkout_id_is_refused(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(PushAnswerLost(reason="Read timeout."))
    await world.confirm(SANDBOX, created.intent.id)
    await world.handle_callback(world.token(), callback_body("ws_CO_found", 1032))

    with pytest.raises(CallbackMismatch):
        await world.handle_callback(world.token(), callback_body("ws_CO_other", 0))

    assert world.intent(created.intent.id).status is IntentStatus.FAILED


async def test_a_late_success_after_a_failure_makes_the_intent_succeeded(world: World) -> None:
    intent_id = await _processing(world)
    await world.handle_callback(world.token(), callback_body(CHECKOUT, 1019))
    failed = world.intent(intent_id)
    assert failed.status is IntentStatus.FAILED

    outcome = await world.handle_callback(world.token(), callback_body(CHECKOUT, 0))

    assert outcome is AttemptOutcome.APPLIED
    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.SUCCEEDED
    assert stored.last_payment_error is None
    assert stored.mpesa is not None
    assert stored.mpesa.receipt_number == "NLJ7RT61SV"


async def test_a_failure_for_a_superseded_attempt_changes_nothing(world: World) -> None:
    intent_id = await _processing(world, checkout="ws_CO_first")
    await world.handle_callback(world.token(1), callback_body("ws_CO_first", 1032))
    world.gateway.queue_push(Accept(checkout_request_id="ws_CO_second"))
    await world.confirm(SANDBOX, intent_id)
    retried = world.intent(intent_id)

    outcome = await world.handle_callback(world.token(1), callback_body("ws_CO_first", 1037))

    assert outcome is AttemptOutcome.SUPERSEDED
    assert world.intent(intent_id) == retried
    rows = world.callbacks(intent_id)
    assert [r.outcome for r in rows] == [AttemptOutcome.APPLIED, AttemptOutcome.SUPERSEDED]
    first_push, _ = world.pushes(intent_id)
    assert rows[1].push_id == first_push.id

    assert await world.handle_callback(world.token(2), callback_body("ws_CO_second", 0)) is AttemptOutcome.APPLIED
    assert world.intent(intent_id).status is IntentStatus.SUCCEEDED


async def test_the_first_money_that_moved_wins_and_a_second_payment_is_unexpected(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The customer pays the old prompt after a retry started: the intent succeeds with that attempt's
    receipt; when the newer prompt is paid too, that money is an unexpected payment to refund."""
    intent_id = await _processing(world, checkout="ws_CO_first")
    await world.handle_callback(world.token(1), callback_body("ws_CO_first", 1032))
    world.gateway.queue_push(Accept(checkout_request_id="ws_CO_second"))
    await world.confirm(SANDBOX, intent_id)
    first_push, second_push = world.pushes(intent_id)

    paid_old = await world.handle_callback(world.token(1), callback_body("ws_CO_first", 0, receipt="OLDPROMPT1"))

    assert paid_old is AttemptOutcome.APPLIED
    paid = world.intent(intent_id)
    assert (paid.status, paid.attempt_id) == (IntentStatus.SUCCEEDED, first_push.id)
    assert paid.mpesa is not None
    assert (paid.mpesa.receipt_number, paid.checkout_request_id) == ("OLDPROMPT1", "ws_CO_first")

    with caplog.at_level(logging.WARNING, logger="micropay.domain.use_cases.handle_callback"):
        twice = await world.handle_callback(world.token(2), callback_body("ws_CO_second", 0, receipt="NEWPROMPT2"))

    assert twice is AttemptOutcome.UNEXPECTED_PAYMENT
    assert world.intent(intent_id) == paid
    assert world.callbacks(intent_id)[-1].outcome is AttemptOutcome.UNEXPECTED_PAYMENT
    assert world.callbacks(intent_id)[-1].push_id == second_push.id
    event = world.events(intent_id)[-1]
    assert event.type.value == "payment_intent.unexpected_payment"
    assert event.data.unexpected_payment == UnexpectedPayment(
        attempt=second_push.id, receipt_number="NEWPROMPT2", amount=150_000
    )
    assert event.data.object.status.value == "succeeded"
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "unexpected payment" in warning.getMessage()
    assert "NEWPROMPT2" in warning.getMessage()


async def test_a_failure_after_cancel_is_ignored_and_a_success_is_an_unexpected_payment(world: World) -> None:
    intent_id = await _processing(world)
    await world.handle_callback(world.token(), callback_body(CHECKOUT, 1032))
    canceled = await world.cancel(SANDBOX, intent_id)

    failure = await world.handle_callback(world.token(), callback_body(CHECKOUT, 1037))
    outcome = await world.handle_callback(world.token(), callback_body(CHECKOUT, 0))

    assert failure is AttemptOutcome.IGNORED
    assert outcome is AttemptOutcome.UNEXPECTED_PAYMENT
    assert world.intent(intent_id) == canceled
    assert world.event_types(intent_id)[-1] == "payment_intent.unexpected_payment"


async def test_a_callback_for_a_rejected_push_is_logged_and_changes_nothing_new(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(rejected("Invalid.", error_code="phone_number_invalid", provider_code="400.002.02"))
    await world.confirm(SANDBOX, created.intent.id)
    failed = world.intent(created.intent.id)

    outcome = await world.handle_callback(world.token(), callback_body("ws_CO_x", 1))

    assert outcome is AttemptOutcome.DUPLICATE
    assert world.intent(created.intent.id) == failed
    assert len(world.callbacks(created.intent.id)) == 1


async def test_concurrent_duplicate_callbacks_apply_exactly_once() -> None:
    world = World(interleaving=True)
    intent_id = await _processing(world)
    before = world.intent(intent_id)
    body = callback_body(CHECKOUT, 0)

    outcomes = await asyncio.gather(*(world.handle_callback(world.token(), body) for _ in range(5)))

    assert sorted(outcomes) == sorted([AttemptOutcome.APPLIED] + [AttemptOutcome.DUPLICATE] * 4)
    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.SUCCEEDED
    assert stored.version == before.version + 1  # one transition, one event
    rows = world.callbacks(intent_id)
    assert len(rows) == 5
    assert sorted(r.outcome for r in rows if r.outcome) == sorted(outcomes)


async def test_concurrent_callbacks_for_a_lost_answer_push_link_and_settle_once() -> None:
    world = World(interleaving=True)
    created = await world.new_intent()
    world.gateway.queue_push(PushAnswerLost(reason="Read timeout."))
    await world.confirm(SANDBOX, created.intent.id)
    before = world.intent(created.intent.id)
    body = callback_body("ws_CO_found", 0)

    outcomes = await asyncio.gather(*(world.handle_callback(world.token(), body) for _ in range(5)))

    assert outcomes.count(AttemptOutcome.APPLIED) == 1
    assert outcomes.count(AttemptOutcome.DUPLICATE) == 4
    stored = world.intent(created.intent.id)
    assert stored.version == before.version + 1  # linked and succeeded in one change, exactly once
    assert world.pushes(created.intent.id)[0].checkout_request_id == "ws_CO_found"


async def test_a_callback_whose_intent_row_is_gone_is_resource_missing(world: World) -> None:
    intent_id = await _processing(world)
    del world.db.intents[intent_id]  # only an operator's manual delete can get here

    with pytest.raises(ResourceMissing):
        await world.handle_callback(world.token(), callback_body(CHECKOUT, 0))

    [row] = world.callbacks(intent_id)
    assert row.request == callback_body(CHECKOUT, 0)


async def test_a_failed_apply_rolls_back_alone_and_the_raw_row_is_kept(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record and apply share one transaction; the apply runs in a savepoint, so its failure loses nothing
    of the raw callback (which commits alone) and applies nothing (no transition, no event)."""
    intent_id = await _processing(world)
    before = world.intent(intent_id)
    events_before = len(world.db.events)

    async def failing_add(self: FakeEventRepository, event: Event) -> None:
        raise StorageUnavailable("the event insert failed")

    monkeypatch.setattr(FakeEventRepository, "add", failing_add)
    body = callback_body(CHECKOUT, 0)
    with pytest.raises(StorageUnavailable):
        await world.handle_callback(world.token(), body)
    monkeypatch.undo()

    assert world.intent(intent_id) == before
    assert len(world.db.events) == events_before
    [row] = world.callbacks(intent_id)
    assert row.request == body
    assert row.outcome is None  # stored, not applied: a redelivery or reconcile settles it

    assert await world.handle_callback(world.token(), body) is AttemptOutcome.APPLIED  # Daraja's retry
    assert world.intent(intent_id).status is IntentStatus.SUCCEEDED
