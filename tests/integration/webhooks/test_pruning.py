"""Pruning an event takes its webhook deliveries and their attempts with it (migration 0013), on both backends;
younger events keep theirs."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, text

from micropay.adapters.persistence.event_pruner import SqlaEventPruner
from micropay.adapters.persistence.webhook_rows import WEBHOOK_ATTEMPTS
from micropay.domain.model.webhooks import DeliveryStatus
from tests.integration.webhooks.conftest import WebhookWorld
from tests.integration.webhooks.receiver import running_receiver

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def _attempt_rows(world: WebhookWorld) -> int:
    async with world.engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":  # row-level security: count inside the tenant
            await connection.execute(
                text(
                    "SELECT set_config('micropay.merchant_id', :m, true), set_config('micropay.environment', :e, true)"
                ),
                {"m": world.tenant.merchant_id, "e": world.tenant.environment.value},
            )
        return int((await connection.execute(select(func.count()).select_from(WEBHOOK_ATTEMPTS))).scalar_one())


async def test_pruned_events_take_their_deliveries_and_attempts_along(world: WebhookWorld) -> None:
    start = time.time()
    world.clock.set(start)
    with running_receiver() as receiver:
        await world.register(receiver.url + "/hooks")
        old = await world.emit()
        assert await world.dispatcher().run_once() == 1  # delivered: one attempt logged
        world.clock.set(start + 100)
        young = await world.emit()  # scheduled, not yet sent
    assert await _attempt_rows(world) == 1

    pruner = SqlaEventPruner(world.engine)
    deleted = 0
    while removed := await pruner.prune(created_before=int(start) + 50, limit=1):
        deleted += removed

    assert deleted == 1
    [kept] = await world.deliveries()
    assert (kept.event_id, kept.status) == (young, DeliveryStatus.PENDING)
    assert old not in {delivery.event_id for delivery in await world.deliveries()}
    assert await _attempt_rows(world) == 0
