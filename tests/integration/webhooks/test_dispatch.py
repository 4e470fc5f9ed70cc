"""Delivering through the real stack below HTTP (database, queue, sender, loopback receiver), on a fake clock.

Runs on SQLite and on Postgres.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from standardwebhooks import Webhook

from micropay.adapters.webhooks.standard_webhooks import encode_secret
from micropay.domain.model.webhooks import RETRY_SCHEDULE, DeliveryStatus, DisabledReason, EndpointStatus
from micropay.domain.use_cases.webhooks.endpoints import GetEndpoint, RotateEndpointSecret, UpdateEndpoint
from micropay.domain.use_cases.webhooks.log import RecoverEndpoint, RetryEvent
from tests.integration.webhooks.conftest import LEASE_SECONDS, WebhookWorld
from tests.integration.webhooks.receiver import Reply, running_receiver

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def test_an_event_is_delivered_once_signed_and_logged(world: WebhookWorld) -> None:
    world.clock.set(time.time())
    with running_receiver() as receiver:
        created = await world.register(receiver.url + "/hooks")
        event_id = await world.emit()
        assert await world.dispatcher().run_once() == 1
        assert await world.dispatcher().run_once() == 0  # done: nothing due any more
        [request] = receiver.requests()

    payload = Webhook(encode_secret(created.secret)).verify(request.body, request.headers)
    assert (payload["id"], payload["object"], payload["type"]) == (event_id, "event", "payment_intent.succeeded")
    assert payload["pending_webhooks"] == 1  # as scheduled
    assert payload["data"]["object"]["object"] == "payment_intent"
    assert request.headers["webhook-id"] == event_id
    [delivery] = await world.deliveries()
    assert delivery.status is DeliveryStatus.SUCCEEDED
    assert delivery.next_attempt_at is None
    [attempt] = delivery.attempts
    assert attempt.http_status == 200
    assert attempt.error is None
    assert attempt.response_excerpt == '{"ok":true}'


async def test_only_matching_enabled_endpoints_get_a_delivery(world: WebhookWorld) -> None:
    with running_receiver() as receiver:
        everything = await world.register(receiver.url + "/all")
        failures = await world.register(receiver.url + "/failed", ["payment_intent.payment_failed"])
        disabled = await world.register(receiver.url + "/off")
        await UpdateEndpoint(world.uow, world.policy)(world.tenant, disabled.endpoint.id, {"disabled": True})
        await world.emit("payment_intent.succeeded")
        await world.emit("payment_intent.payment_failed")

    by_endpoint = {d.endpoint_id: d.event_type for d in await world.deliveries()}
    assert sorted(d.event_type for d in await world.deliveries(everything.endpoint.id)) == [
        "payment_intent.payment_failed",
        "payment_intent.succeeded",
    ]
    assert [d.event_type for d in await world.deliveries(failures.endpoint.id)] == ["payment_intent.payment_failed"]
    assert disabled.endpoint.id not in by_endpoint


async def test_retries_follow_the_schedule_then_the_delivery_fails(world: WebhookWorld) -> None:
    with running_receiver(lambda _r: Reply(status=500)) as receiver:
        await world.register(receiver.url)
        start = world.clock.now()
        await world.emit()
        dispatcher = world.dispatcher()
        offsets = []
        for delay in RETRY_SCHEDULE:
            [delivery] = await world.deliveries()
            assert delivery.next_attempt_at == int(world.clock.now()) + delay
            world.clock.advance(delay - 1) if delay else None
            if delay:
                assert await dispatcher.run_once() == 0  # one second early: not due
                world.clock.advance(1)
            assert await dispatcher.run_once() == 1
            offsets.append(int(world.clock.now() - start))
        assert len(receiver.requests()) == len(RETRY_SCHEDULE)

    [delivery] = await world.deliveries()
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.next_attempt_at is None
    assert [a.created - int(start) for a in delivery.attempts] == offsets
    assert offsets == [sum(RETRY_SCHEDULE[: i + 1]) for i in range(len(RETRY_SCHEDULE))]
    assert all(a.http_status == 500 and a.error == "HTTP 500" for a in delivery.attempts)


async def test_a_410_disables_the_endpoint_and_its_other_deliveries_are_kept_not_sent(world: WebhookWorld) -> None:
    with running_receiver(lambda _r: Reply(status=410)) as receiver:
        created = await world.register(receiver.url)
        await world.emit()
        assert await world.dispatcher().run_once() == 1
        endpoint = await GetEndpoint(world.uow)(world.tenant, created.endpoint.id)
        assert endpoint.status is EndpointStatus.DISABLED
        assert endpoint.disabled_reason is DisabledReason.GONE
        [gone] = await world.deliveries()
        assert gone.status is DeliveryStatus.FAILED
        assert gone.attempts[0].http_status == 410
        assert await world.emit()  # a disabled endpoint gets no new deliveries
        assert len(await world.deliveries()) == 1
        assert len(receiver.requests()) == 1


async def test_a_hanging_receiver_times_out_and_is_retried(world: WebhookWorld) -> None:
    replies = iter([Reply(stall=3.0), Reply()])
    with running_receiver(lambda _r: next(replies)) as receiver:
        await world.register(receiver.url)
        await world.emit()
        started = time.monotonic()
        await world.dispatcher().run_once()
        assert time.monotonic() - started < 2.5  # the 1 s timeout, not the receiver's 3 s
        [delivery] = await world.deliveries()
        assert delivery.status is DeliveryStatus.PENDING
        assert delivery.attempts[0].http_status is None
        assert "timeout" in (delivery.attempts[0].error or "")
        assert delivery.next_attempt_at == int(world.clock.now()) + 5
        world.clock.advance(5)
        await world.dispatcher().run_once()
        assert len(receiver.requests()) == 2

    [delivery] = await world.deliveries()
    assert delivery.status is DeliveryStatus.SUCCEEDED
    assert len(delivery.attempts) == 2


async def test_retry_after_on_503_is_honoured(world: WebhookWorld) -> None:
    replies = iter([Reply(status=503), Reply(status=503, headers={"Retry-After": "900"}), Reply()])
    with running_receiver(lambda _r: next(replies)) as receiver:
        await world.register(receiver.url)
        await world.emit()
        await world.dispatcher().run_once()
        world.clock.advance(5)
        await world.dispatcher().run_once()
        [delivery] = await world.deliveries()
        assert delivery.next_attempt_at == int(world.clock.now()) + 900  # not the scheduled 300
        world.clock.advance(300)
        assert await world.dispatcher().run_once() == 0
        world.clock.advance(600)
        assert await world.dispatcher().run_once() == 1
        assert len(receiver.requests()) == 3


async def test_no_delivery_is_lost_when_the_receiver_is_down_for_an_hour(world: WebhookWorld) -> None:
    with running_receiver() as receiver:
        await world.register(receiver.url)
        receiver.go_down()
        events = [await world.emit() for _ in range(20)]
        start = world.clock.now()
        down_attempts = await world.run_due_until(start + 3600)
        assert down_attempts >= 20 * 4  # immediately, 5 s, 5 min, 30 min: all refused
        assert all(d.status is DeliveryStatus.PENDING for d in await world.deliveries())
        receiver.come_back()
        await world.run_due_until(start + 4 * 3600)
        delivered = {r.headers["webhook-id"] for r in receiver.requests()}

    assert delivered == set(events)
    deliveries = await world.deliveries()
    assert all(d.status is DeliveryStatus.SUCCEEDED for d in deliveries)
    assert all(d.attempts[-1].http_status == 200 for d in deliveries)
    assert all(d.attempts[0].error == "connection failed" for d in deliveries)


async def test_five_days_of_failures_disable_the_endpoint_as_failing(world: WebhookWorld) -> None:
    with running_receiver(lambda _r: Reply(status=500)) as receiver:
        created = await world.register(receiver.url)
        start = world.clock.now()
        await world.emit()
        await world.run_due_until(start + 3 * 86400)
        await world.emit()  # a later event keeps failing into day 5
        await world.run_due_until(start + 6 * 86400)  # its attempt at about 5 d 3.5 h fails
        sent = len(receiver.requests())
        endpoint = await GetEndpoint(world.uow)(world.tenant, created.endpoint.id)
        assert endpoint.status is EndpointStatus.DISABLED
        assert endpoint.disabled_reason is DisabledReason.FAILING
        await world.run_due_until(start + 9 * 86400)
        assert len(receiver.requests()) == sent  # nothing more is sent while disabled
    assert all(d.status is DeliveryStatus.FAILED for d in await world.deliveries())


async def test_a_success_ends_the_failure_streak(world: WebhookWorld) -> None:
    replies = iter([Reply(status=500)] * 3 + [Reply()] * 100)
    with running_receiver(lambda _r: next(replies)) as receiver:
        created = await world.register(receiver.url)
        await world.emit()
        await world.run_due_until(world.clock.now() + 3600)
        endpoint = await GetEndpoint(world.uow)(world.tenant, created.endpoint.id)
        assert endpoint.enabled
        assert endpoint.failing_since is None
        assert len(receiver.requests()) == 4


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
