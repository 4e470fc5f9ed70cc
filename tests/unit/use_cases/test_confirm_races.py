"""A callback can beat the push's own answer: the push row still gets its outcome, the intent keeps the result."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.domain.model.provider import AttemptOutcome
from micropay.domain.model.push import PushAnswerLost, PushNotSent, PushVerdict
from micropay.ports.daraja_gateway import ProviderUnavailable
from tests.fakes import Accept, rejected
from tests.unit.use_cases.world import SANDBOX, World, callback_body


async def _confirm_with_early_callback(
    world: World, push_outcome: Accept | PushVerdict, body: dict[str, Any]
) -> tuple[str, PaymentIntent | BaseException]:
    """Confirm; while the push is in flight, the callback for it arrives and is handled first."""
    created = await world.new_intent()
    world.gateway.queue_push(push_outcome)
    world.gateway.hold()
    confirm = asyncio.create_task(world.confirm(SANDBOX, created.intent.id))
    for _ in range(1000):
        if world.gateway.in_flight:
            break
        await asyncio.sleep(0)
    assert world.gateway.in_flight == 1
    await world.handle_callback(world.token(), body)
    world.gateway.release.set()
    [result] = await asyncio.gather(confirm, return_exceptions=True)
    return created.intent.id, result


async def test_success_callback_before_the_accepted_answer(world: World) -> None:
    intent_id, result = await _confirm_with_early_callback(
        world, Accept(checkout_request_id="ws_CO_early"), callback_body("ws_CO_early", 0)
    )

    stored = world.intent(intent_id)
    assert result == stored
    assert stored.status is IntentStatus.SUCCEEDED
    assert stored.checkout_request_id == "ws_CO_early"
    [push] = world.pushes(intent_id)
    assert (push.outcome, push.checkout_request_id) == (AttemptOutcome.ACCEPTED, "ws_CO_early")
    assert push.response == {"ResponseCode": "0"}
    [callback] = world.callbacks(intent_id)
    assert callback.outcome is AttemptOutcome.APPLIED


async def test_failure_callback_before_the_accepted_answer_keeps_the_failure(world: World) -> None:
    intent_id, _ = await _confirm_with_early_callback(
        world, Accept(checkout_request_id="ws_CO_early"), callback_body("ws_CO_early", 1032)
    )

    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.FAILED
    assert stored.last_payment_error is not None
    assert stored.last_payment_error.code == "canceled_by_customer"
    assert stored.next_action_expires_at is None
    assert world.pushes(intent_id)[0].outcome is AttemptOutcome.ACCEPTED


async def test_success_callback_before_a_lost_answer(world: World) -> None:
    intent_id, result = await _confirm_with_early_callback(
        world, PushAnswerLost(reason="Read timeout."), callback_body("ws_CO_early", 0)
    )

    stored = world.intent(intent_id)
    assert result == stored
    assert stored.status is IntentStatus.SUCCEEDED
    [push] = world.pushes(intent_id)
    assert (push.outcome, push.checkout_request_id) == (AttemptOutcome.ANSWER_LOST, "ws_CO_early")


@pytest.mark.parametrize(
    "outcome",
    [
        rejected("Invalid.", error_code="phone_number_invalid", provider_code="400.002.02"),
        PushNotSent(reason="Daraja is down."),
    ],
    ids=["rejected", "unavailable"],
)
async def test_a_settled_intent_is_never_rolled_back_by_a_late_refusal(world: World, outcome: PushVerdict) -> None:
    """Contradictory answers (a callback says it ran, the push says it did not): the callback's result stands."""
    intent_id, result = await _confirm_with_early_callback(world, outcome, callback_body("ws_CO_early", 0))

    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.SUCCEEDED
    if isinstance(outcome, PushNotSent):
        assert isinstance(result, ProviderUnavailable)
        assert result.message == outcome.reason
        assert world.pushes(intent_id)[0].outcome is AttemptOutcome.NOT_SENT
    else:
        assert result == stored
        assert world.pushes(intent_id)[0].outcome is AttemptOutcome.REJECTED
