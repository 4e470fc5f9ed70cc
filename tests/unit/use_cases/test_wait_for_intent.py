"""WaitForPaymentIntent on the fakes and the in-process feed: answers at once, on a change, or at timeout,
and reads the database only when signalled."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from micropay.adapters.realtime import InProcessChangeFeed
from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.waiting import WaitCondition, WaitUntil
from micropay.domain.use_cases.wait_for_intent import WaitForPaymentIntent
from micropay.ports.change_feed import Change
from micropay.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.unit.use_cases.world import SANDBOX, World

TERMINAL = WaitCondition(WaitUntil.TERMINAL, None)


class CountingUnitOfWorkFactory:
    """The world's units of work, counted: each one the waiter opens is one database read."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self._inner = inner
        self.opened = 0

    def __call__(self, tenant: Tenant) -> UnitOfWork:
        self.opened += 1
        return self._inner(tenant)


class Waiting:
    def __init__(self, world: World) -> None:
        self.world = world
        self.feed = InProcessChangeFeed()
        self.reads = CountingUnitOfWorkFactory(world.uow)
        self.wait = WaitForPaymentIntent(self.reads, self.feed)

    async def announce(self, intent_id: str, tenant: Tenant = SANDBOX) -> None:
        self.feed.publish([Change(tenant=tenant, intent_id=intent_id)])


@pytest.fixture
def waiting(world: World) -> Waiting:
    return Waiting(world)


async def test_an_intent_already_terminal_answers_with_one_read(waiting: Waiting) -> None:
    intent = (await waiting.world.new_intent()).intent
    await waiting.world.cancel(SANDBOX, intent.id)

    outcome = await waiting.wait(SANDBOX, intent.id, TERMINAL, seconds=25)

    assert outcome.timed_out is False
    assert outcome.intent.status is IntentStatus.CANCELED
    assert waiting.reads.opened == 1


async def test_it_answers_when_a_change_is_announced_and_reads_only_then(waiting: Waiting) -> None:
    intent = (await waiting.world.new_intent()).intent
    task = asyncio.create_task(waiting.wait(SANDBOX, intent.id, TERMINAL, seconds=25))
    await asyncio.sleep(0.2)
    assert not task.done()
    assert waiting.reads.opened == 1  # no polling while nothing changes

    await waiting.announce(intent.id)  # a signal without a change that matters: read, keep waiting
    await asyncio.sleep(0.05)
    assert not task.done()
    assert waiting.reads.opened == 2

    await waiting.world.cancel(SANDBOX, intent.id)
    await waiting.announce(intent.id)
    outcome = await asyncio.wait_for(task, 1)

    assert outcome.timed_out is False
    assert outcome.intent.status is IntentStatus.CANCELED
    assert waiting.reads.opened == 3


async def test_a_change_committed_between_subscribe_and_first_wait_is_seen(waiting: Waiting) -> None:
    intent = (await waiting.world.new_intent()).intent
    # The change lands (and is announced) right after the waiter's first read, before it waits.
    condition = WaitCondition(WaitUntil.CHANGE, intent.version)

    async def change_soon() -> None:
        await waiting.world.cancel(SANDBOX, intent.id)
        await waiting.announce(intent.id)

    outcome, _ = await asyncio.gather(waiting.wait(SANDBOX, intent.id, condition, seconds=25), change_soon())

    assert outcome.timed_out is False
    assert outcome.intent.version > intent.version


async def test_a_timeout_answers_with_a_fresh_read(waiting: Waiting) -> None:
    intent = (await waiting.world.new_intent()).intent
    started = time.monotonic()

    outcome = await waiting.wait(SANDBOX, intent.id, TERMINAL, seconds=1)

    assert 0.95 < time.monotonic() - started < 1.5
    assert outcome.timed_out is True
    assert outcome.intent == waiting.world.intent(intent.id)
    assert waiting.reads.opened == 2  # the first read and the final one


async def test_another_tenants_changes_do_not_wake_the_waiter(waiting: Waiting) -> None:
    intent = (await waiting.world.new_intent()).intent
    other = Tenant(merchant_id="acct_someone_else", environment=SANDBOX.environment)
    task = asyncio.create_task(waiting.wait(SANDBOX, intent.id, TERMINAL, seconds=25))
    await asyncio.sleep(0.05)

    await waiting.announce(intent.id, tenant=other)
    await waiting.announce("pi_another", tenant=SANDBOX)
    await asyncio.sleep(0.05)

    assert waiting.reads.opened == 1
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_a_stopping_feed_answers_the_waiter_at_once(waiting: Waiting) -> None:
    intent = (await waiting.world.new_intent()).intent
    task = asyncio.create_task(waiting.wait(SANDBOX, intent.id, TERMINAL, seconds=25))
    await asyncio.sleep(0.05)

    await waiting.feed.stop()
    outcome = await asyncio.wait_for(task, 1)

    assert outcome.timed_out is True
    assert outcome.intent.status is IntentStatus.REQUIRES_PAYMENT_METHOD


async def test_a_wrong_client_secret_or_unknown_id_is_missing_and_unsubscribes(waiting: Waiting) -> None:
    created = await waiting.world.new_intent()

    with pytest.raises(ResourceMissing):
        await waiting.wait(SANDBOX, created.intent.id, TERMINAL, seconds=5, client_secret="pi_x_secret_y")
    with pytest.raises(ResourceMissing):
        await waiting.wait(SANDBOX, "not-an-id", TERMINAL, seconds=5)
    assert waiting.feed.subscriber_count == 0

    ok = await waiting.wait(SANDBOX, created.intent.id, TERMINAL, seconds=1, client_secret=created.client_secret)
    assert ok.intent.id == created.intent.id


async def test_a_timeout_outside_1_to_30_seconds_is_refused_before_any_read(waiting: Waiting) -> None:
    intent = (await waiting.world.new_intent()).intent
    with pytest.raises(InvalidParameter):
        await waiting.wait(SANDBOX, intent.id, TERMINAL, seconds=31)
    assert waiting.reads.opened == 0
