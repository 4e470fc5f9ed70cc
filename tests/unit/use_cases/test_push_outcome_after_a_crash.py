"""Issue 10, defect 9: a push row whose confirm died before recording Daraja's answer (outcome NULL) gets the
outcome its settlement proves; an outcome the confirm did record is never overwritten."""

from __future__ import annotations

import msgspec

from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.provider import AttemptOutcome
from micropay.domain.model.state_machine import UNANSWERED_ATTEMPT_TIMEOUT_SECONDS
from tests.fakes import Accept, final
from tests.unit.use_cases.world import SANDBOX, World, callback_body


async def _died_before_the_answer(world: World, *, checkout: str | None = None) -> str:
    """A confirm whose process died after the claim: the intent processing, its push row without outcome."""
    created = await world.new_intent()
    world.gateway.queue_push(Accept(checkout_request_id=checkout or "ws_CO_never_recorded"))
    await world.confirm(SANDBOX, created.intent.id)
    [push] = world.pushes(created.intent.id)
    claimed = world.intent(created.intent.id)
    # what the database holds when the process died between the claim's commit and recording the answer
    world.db.attempts[push.id] = msgspec.structs.replace(push, outcome=None, checkout_request_id=None, response=None)
    world.db.intents[claimed.id] = msgspec.structs.replace(
        claimed,
        mpesa=msgspec.structs.replace(claimed.mpesa, checkout_request_id=None) if claimed.mpesa else None,
        next_action_expires_at=None,
    )
    return created.intent.id


async def test_a_callback_fills_in_accepted(world: World) -> None:
    intent_id = await _died_before_the_answer(world)

    assert await world.handle_callback(world.token(), callback_body("ws_CO_late", 0)) is AttemptOutcome.APPLIED

    [push] = world.pushes(intent_id)
    assert (push.outcome, push.checkout_request_id) == (AttemptOutcome.ACCEPTED, "ws_CO_late")
    assert world.intent(intent_id).status is IntentStatus.SUCCEEDED


async def test_an_expiry_fills_in_answer_lost(world: World) -> None:
    intent_id = await _died_before_the_answer(world)
    world.clock.advance(UNANSWERED_ATTEMPT_TIMEOUT_SECONDS + 1)

    expired = await world.reconcile(SANDBOX, intent_id)

    assert expired.status is IntentStatus.FAILED
    [push] = world.pushes(intent_id)
    assert push.outcome is AttemptOutcome.ANSWER_LOST


async def test_a_query_answer_fills_in_accepted(world: World) -> None:
    intent_id = await _died_before_the_answer(world)
    # the push had been accepted and its id linked by an earlier (failed) callback row, say: query it
    world.db.intents[intent_id] = msgspec.structs.replace(
        world.intent(intent_id),
        mpesa=msgspec.structs.replace(world.intent(intent_id).mpesa, checkout_request_id="ws_CO_q"),  # type: ignore[arg-type]
    )
    world.gateway.script_query("ws_CO_q", final("ws_CO_q", "1032"))

    settled = await world.reconcile(SANDBOX, intent_id)

    assert settled.status is IntentStatus.FAILED
    [push] = world.pushes(intent_id)
    assert push.outcome is AttemptOutcome.ACCEPTED


async def test_a_recorded_verdict_is_never_overwritten(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(Accept(checkout_request_id="ws_CO_1"))
    await world.confirm(SANDBOX, created.intent.id)
    [before] = world.pushes(created.intent.id)

    await world.handle_callback(world.token(), callback_body("ws_CO_1", 0))

    [after] = world.pushes(created.intent.id)
    assert (after.outcome, after.response, after.updated) == (AttemptOutcome.ACCEPTED, before.response, before.updated)
