"""Lost optimistic-lock races are re-read and re-decided, a bounded number of times."""

from __future__ import annotations

import msgspec
import pytest

from micropay.domain.model.intent import IntentStatus
from micropay.domain.use_cases._support import MAX_RACE_RETRIES
from micropay.ports.errors import ConcurrentUpdate
from tests.unit.use_cases.world import SANDBOX, World


def _concurrent_writer(world: World, intent_id: str, times: int) -> None:
    """Before each of the next ``times`` commits, another transaction commits a change to the intent."""
    remaining = [times]

    async def write() -> None:
        current = world.db.intents[intent_id]
        world.db.intents[intent_id] = msgspec.structs.replace(
            current, version=current.version + 1, metadata={**current.metadata, "n": str(remaining[0])}
        )
        remaining[0] -= 1
        if remaining[0]:
            world.uow_factory.before_next_commit = write

    world.uow_factory.before_next_commit = write


async def test_a_cancel_that_loses_races_retries_and_then_wins(world: World) -> None:
    created = await world.new_intent()
    _concurrent_writer(world, created.intent.id, MAX_RACE_RETRIES - 1)

    canceled = await world.cancel(SANDBOX, created.intent.id)

    stored = world.intent(created.intent.id)
    assert stored == canceled
    assert stored.status is IntentStatus.CANCELED
    assert stored.metadata == {"n": "1"}  # decided on the latest row, not the first one read
    assert stored.version == created.intent.version + MAX_RACE_RETRIES


async def test_a_cancel_that_keeps_losing_gives_up_with_concurrent_update(world: World) -> None:
    created = await world.new_intent()
    _concurrent_writer(world, created.intent.id, MAX_RACE_RETRIES)

    with pytest.raises(ConcurrentUpdate):
        await world.cancel(SANDBOX, created.intent.id)

    stored = world.intent(created.intent.id)
    assert stored.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert stored.version == created.intent.version + MAX_RACE_RETRIES
