"""Recovery, manual retries, rotation, concurrency limits, leases and shutdown, through the real stack below
HTTP on a fake clock. Runs on SQLite and on Postgres.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from standardwebhooks import Webhook

from micropay.adapters.webhooks.standard_webhooks import encode_secret
from micropay.domain.model.webhooks import RETRY_SCHEDULE, DeliveryStatus
from micropay.domain.use_cases.webhooks.endpoints import RotateEndpointSecret, UpdateEndpoint
from micropay.domain.use_cases.webhooks.log import RecoverEndpoint, RetryEvent
from tests.integration.webhooks.conftest import LEASE_SECONDS, WebhookWorld
from tests.integration.webhooks.receiver import Reply, running_receiver

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def test_kept_while_disabled_not_resent_on_enable_then_recovered(world: WebhookWorld) -> None:
    with running_receiver() as receiver:
        created = await world.register(receiver.url)
        endpoint_id = created.endpoint.id
        await world.emit()
        update = UpdateEndpoint(world.uow, world.policy)
        await update(world.tenant, endpoint_id, {"disabled": True})
        await world.dispatcher().run_once()
        [kept] = await world.deliveries()
        assert kept.status is DeliveryStatus.FAILED
        assert kept.attempts == ()
        assert receiver.requests() == []

        await update(world.tenant, endpoint_id, {"disabled": False})
        world.clock.advance(60)
        assert await world.dispatcher().run_once() == 0
        assert receiver.requests() == []

        report = await RecoverEndpoint(world.uow, world.clock)(
            world.tenant, endpoint_id, int(world.clock.now()) - 3600, None
        )
        assert report.rescheduled == 1
        assert await world.dispatcher().run_once() == 1
        assert len(receiver.requests()) == 1
    [delivered] = await world.deliveries()
    assert delivered.status is DeliveryStatus.SUCCEEDED


async def test_recover_ignores_succeeded_deliveries_and_the_window(world: WebhookWorld) -> None:
    with running_receiver() as receiver:
        created = await world.register(receiver.url)
        await world.emit()
        await world.dispatcher().run_once()
        recover = RecoverEndpoint(world.uow, world.clock)
        report = await recover(world.tenant, created.endpoint.id, int(world.clock.now()) - 60, None)
        assert report.rescheduled == 0
        assert len(receiver.requests()) == 1


async def test_a_manual_retry_delivers_a_failed_delivery_now(world: WebhookWorld) -> None:
    healthy = False
    with running_receiver(lambda _r: Reply() if healthy else Reply(status=500)) as receiver:
        created = await world.register(receiver.url)
        event_id = await world.emit()
        await world.run_due_until(world.clock.now() + 4 * 86400)
        [failed] = await world.deliveries()
        assert failed.status is DeliveryStatus.FAILED
        healthy = True
        retried = await RetryEvent(world.uow, world.attempt, world.ids, world.clock)(
            world.tenant, event_id, created.endpoint.id
        )
    assert retried.status is DeliveryStatus.SUCCEEDED
    assert len(retried.attempts) == len(RETRY_SCHEDULE) + 1


async def test_rotation_signs_with_both_secrets_during_the_overlap(world: WebhookWorld) -> None:
    world.clock.set(time.time())
    with running_receiver() as receiver:
        created = await world.register(receiver.url)
        rotated = await RotateEndpointSecret(world.uow, world.vault, world.clock, world.random)(
            world.tenant, created.endpoint.id, 3600
        )
        await world.emit()
        await world.dispatcher().run_once()
        [request] = receiver.requests()
        for secret in (created.secret, rotated.secret):
            Webhook(encode_secret(secret)).verify(request.body, request.headers)
        assert len(request.headers["webhook-signature"].split(" ")) == 2

        at_once = await RotateEndpointSecret(world.uow, world.vault, world.clock, world.random)(
            world.tenant, created.endpoint.id, 0
        )
        await world.emit()
        await world.dispatcher().run_once()
        latest = receiver.requests()[-1]
    assert latest.headers["webhook-signature"].count("v1,") == 1
    Webhook(encode_secret(at_once.secret)).verify(latest.body, latest.headers)


async def test_a_slow_endpoint_gets_at_most_its_limit_and_does_not_hold_up_others(world: WebhookWorld) -> None:
    with running_receiver(lambda _r: Reply(stall=0.4)) as slow, running_receiver() as fast:
        await world.register(slow.url)
        for _ in range(6):
            await world.emit()
        await world.register(fast.url)  # only the later events go to both
        for _ in range(3):
            await world.emit()
        dispatcher = world.dispatcher(concurrency=10, per_endpoint=2, poll_interval=0.05)
        await dispatcher.start()
        try:
            async with asyncio.timeout(5):
                while len(fast.requests()) < 3:
                    world.clock.advance(1)  # claims over an endpoint's limit are handed back for a second
                    await asyncio.sleep(0.02)
            # all of the fast endpoint's deliveries went while the slow one still held its first two
            assert len(slow.requests()) <= 2
            assert slow.most_in_flight <= 2
            async with asyncio.timeout(20):
                while len(slow.requests()) < 9:
                    world.clock.advance(1)  # released claims are due again a second later
                    await asyncio.sleep(0.05)
        finally:
            await dispatcher.stop()
        assert slow.most_in_flight == 2
    assert sorted(d.status for d in await world.deliveries()) == [DeliveryStatus.SUCCEEDED] * 12


async def test_a_lease_held_by_a_dead_process_runs_out_then_the_delivery_is_due_again(world: WebhookWorld) -> None:
    with running_receiver() as receiver:
        await world.register(receiver.url)
        await world.emit()
        now = int(world.clock.now())
        [claim] = await world.queue.claim(now=now, lease_until=now + LEASE_SECONDS, limit=10, lease_token="dead")
        assert await world.dispatcher().run_once() == 0  # leased to the "dead" process
        world.clock.advance(LEASE_SECONDS)
        assert await world.dispatcher().run_once() == 1
        # the dead process wakes up: its lease is gone, so it records nothing over the new owner's result
        assert await world.attempt(claim.tenant, claim.delivery_id, claim.lease_token) is None
        assert len(receiver.requests()) == 1
    [delivery] = await world.deliveries()
    assert delivery.status is DeliveryStatus.SUCCEEDED
    assert len(delivery.attempts) == 1


async def test_shutdown_releases_attempts_it_cannot_finish(world: WebhookWorld) -> None:
    with running_receiver(lambda _r: Reply(stall=5.0)) as receiver:
        await world.register(receiver.url)
        await world.emit()
        dispatcher = world.dispatcher(grace=0.2, poll_interval=0.05)
        await dispatcher.start()
        async with asyncio.timeout(5):
            while not receiver.requests():  # noqa: ASYNC110 - the receiver lives in another thread
                await asyncio.sleep(0.02)
        await dispatcher.stop()
        assert not dispatcher.running
    [delivery] = await world.deliveries()
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.attempts == ()
    leases = await world.raw_leases()
    assert all(token is None for token, _ in leases)
    assert await world.dispatcher().run_once() == 1  # due again at once, for the next process


async def test_an_empty_queue_claims_nothing(world: WebhookWorld) -> None:
    assert await world.dispatcher().run_once() == 0


async def test_a_manual_retry_to_an_endpoint_registered_after_the_event_delivers_it_once(world: WebhookWorld) -> None:
    with running_receiver() as receiver:
        event_id = await world.emit()
        assert await world.deliveries() == []  # no endpoint then
        created = await world.register(receiver.url)
        retry = RetryEvent(world.uow, world.attempt, world.ids, world.clock)
        delivery = await retry(world.tenant, event_id, created.endpoint.id)
        assert delivery.status is DeliveryStatus.SUCCEEDED
        [request] = receiver.requests()
        assert request.headers["webhook-id"] == event_id
        world.clock.advance(86400)
        assert await world.dispatcher().run_once() == 0  # nothing automatic follows a manual-only delivery
