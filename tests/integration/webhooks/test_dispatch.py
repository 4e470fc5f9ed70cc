"""Delivering through the real stack below HTTP (database, queue, sender, loopback receiver), on a fake clock.

Runs on SQLite and on Postgres.
"""

from __future__ import annotations

import time

import pytest
from standardwebhooks import Webhook

from micropay.adapters.webhooks.standard_webhooks import encode_secret
from micropay.domain.model.webhooks import RETRY_SCHEDULE, DeliveryStatus, DisabledReason, EndpointStatus
from micropay.domain.use_cases.webhooks.endpoints import GetEndpoint, UpdateEndpoint
from tests.integration.webhooks.conftest import WebhookWorld
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
