"""A confirm interrupted between the claim and the push's answer (task cancelled, process killed).

The claim is committed, so the intent is ``processing`` with no CheckoutRequestID; a cancelled task still
records the push as a lost answer. The push may have gone out, so it must never be re-sent; it must still
be settled eventually: by a callback, or by reconcile once the unanswered-attempt timeout has passed.
"""

from __future__ import annotations

import asyncio

import pytest

from micropay.domain.errors import IntentUnexpectedState
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.provider import AttemptOutcome
from micropay.domain.model.state_machine import UNANSWERED_ATTEMPT_TIMEOUT_SECONDS
from tests.unit.use_cases.world import SANDBOX, World, callback_body


async def _interrupted(world: World) -> str:
    created = await world.new_intent()
    world.gateway.hold()
    confirm = asyncio.create_task(world.confirm(SANDBOX, created.intent.id))
    for _ in range(1000):
        if world.gateway.in_flight:
            break
        await asyncio.sleep(0)
    confirm.cancel()
    with pytest.raises(asyncio.CancelledError):
        await confirm
    world.gateway.release.set()
    return created.intent.id


async def test_an_interrupted_confirm_leaves_a_claimed_intent_that_is_never_pushed_again(world: World) -> None:
    intent_id = await _interrupted(world)

    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.PROCESSING
    assert stored.checkout_request_id is None
    [push] = world.pushes(intent_id)
    assert push.outcome is AttemptOutcome.ANSWER_LOST  # recorded, shielded from the cancellation
    with pytest.raises(IntentUnexpectedState):
        await world.confirm(SANDBOX, intent_id)
    assert world.gateway.pushes == []


async def test_a_callback_still_settles_an_interrupted_confirm(world: World) -> None:
    intent_id = await _interrupted(world)

    outcome = await world.handle_callback(world.token(), callback_body("ws_CO_after_crash", 0))

    assert outcome is AttemptOutcome.APPLIED
    assert world.intent(intent_id).status is IntentStatus.SUCCEEDED


async def test_reconcile_expires_an_interrupted_confirm_after_the_timeout(world: World) -> None:
    intent_id = await _interrupted(world)
    world.clock.advance(UNANSWERED_ATTEMPT_TIMEOUT_SECONDS + 1)

    await world.reconcile(SANDBOX, intent_id)

    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.FAILED
    assert stored.last_payment_error is not None
    assert stored.last_payment_error.code == "expired"
