"""Two confirms of one intent at the same time: the claim before the push lets exactly one push out."""

from __future__ import annotations

import asyncio

from micropay.domain.errors import IntentUnexpectedState
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.provider import AttemptOutcome
from tests.unit.use_cases.world import SANDBOX, World


async def _release_after_first_settles(world: World, tasks: list[asyncio.Task[object]]) -> None:
    """Keep the push in flight until one confirm has finished (lost), so that both were running at once."""
    for _ in range(10_000):
        if any(task.done() for task in tasks):
            break
        await asyncio.sleep(0)
    world.gateway.release.set()


async def test_two_concurrent_confirms_send_exactly_one_push() -> None:
    world = World(interleaving=True)
    created = await world.new_intent()
    world.gateway.hold()

    confirms: list[asyncio.Task[object]] = [
        asyncio.create_task(world.confirm(SANDBOX, created.intent.id)),
        asyncio.create_task(world.confirm(SANDBOX, created.intent.id, phone_number="0722000000")),
    ]
    await asyncio.gather(_release_after_first_settles(world, confirms))
    results = await asyncio.gather(*confirms, return_exceptions=True)

    assert world.gateway.in_flight == 1
    assert len(world.gateway.pushes) == 1
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1
    assert isinstance(errors[0], IntentUnexpectedState)
    stored = world.intent(created.intent.id)
    assert stored.status is IntentStatus.PROCESSING
    assert stored.attempt_count == 1
    [push] = world.pushes(created.intent.id)
    assert push.outcome is AttemptOutcome.ACCEPTED
    assert stored.attempt_id == push.id
    assert stored.phone_number == world.gateway.pushes[0].request.phone_number


async def test_concurrent_confirms_really_overlapped_at_the_claim() -> None:
    """Both read the intent before either committed: the loser lost at commit, not at its first read."""
    world = World(interleaving=True)
    created = await world.new_intent()
    world.gateway.hold()
    commits_before = world.db.commits

    confirms: list[asyncio.Task[object]] = [
        asyncio.create_task(world.confirm(SANDBOX, created.intent.id)) for _ in range(2)
    ]
    await _release_after_first_settles(world, confirms)
    await asyncio.gather(*confirms, return_exceptions=True)

    # one claim and one settle committed; the loser's claim was refused at commit and never pushed
    assert world.db.commits - commits_before == 2
    assert len(world.tokens.issued) >= 2  # the loser had prepared its own attempt before losing the race
    assert len(world.pushes(created.intent.id)) == 1


async def test_many_concurrent_confirms_still_push_once() -> None:
    world = World(interleaving=True)
    created = await world.new_intent()

    results = await asyncio.gather(
        *(world.confirm(SANDBOX, created.intent.id) for _ in range(5)), return_exceptions=True
    )

    assert len(world.gateway.pushes) == 1
    assert sum(isinstance(r, IntentUnexpectedState) for r in results) == 4
    assert world.intent(created.intent.id).attempt_count == 1
