"""The in-process feed and the subscription registry both feeds share: who is woken, when, and how often."""

from __future__ import annotations

import asyncio
import time

import pytest

from micropay.adapters.realtime import InProcessChangeFeed
from micropay.domain.model.environment import Environment, Tenant
from micropay.ports.change_feed import Change, ChangeFeedClosed

SHOP = Tenant(merchant_id="acct_000000000000000000000001", environment=Environment.SANDBOX)
SHOP_LIVE = Tenant(merchant_id=SHOP.merchant_id, environment=Environment.PRODUCTION)
OTHER = Tenant(merchant_id="acct_000000000000000000000002", environment=Environment.SANDBOX)
PI_A = "pi_00000000000000000000000A"
PI_B = "pi_00000000000000000000000B"


async def test_a_change_published_before_the_first_wait_is_not_lost() -> None:
    feed = InProcessChangeFeed()
    async with feed.subscribe(SHOP, intent_id=PI_A) as changes:
        feed.publish([Change(tenant=SHOP, intent_id=PI_A)])
        assert await changes.next(within=0) is True
        assert await changes.next(within=0) is False  # consumed


async def test_a_burst_of_changes_coalesces_into_one_signal() -> None:
    feed = InProcessChangeFeed()
    async with feed.subscribe(SHOP) as changes:
        feed.publish([Change(tenant=SHOP, intent_id=PI_A), Change(tenant=SHOP, intent_id=PI_B)])
        feed.publish([Change(tenant=SHOP, event_id="evt_1")])
        assert await changes.next(within=0) is True
        assert await changes.next(within=0) is False


async def test_only_the_tenant_and_intent_subscribed_to_are_woken() -> None:
    feed = InProcessChangeFeed()
    async with (
        feed.subscribe(SHOP, intent_id=PI_A) as intent_a,
        feed.subscribe(SHOP) as whole_shop,
        feed.subscribe(SHOP_LIVE) as live,
        feed.subscribe(OTHER) as other,
    ):
        feed.publish([Change(tenant=SHOP, intent_id=PI_B)])
        assert await intent_a.next(within=0) is False
        assert await whole_shop.next(within=0) is True
        assert await live.next(within=0) is False  # same merchant, other environment
        assert await other.next(within=0) is False


async def test_a_waiter_is_woken_as_soon_as_the_change_is_published() -> None:
    feed = InProcessChangeFeed()
    async with feed.subscribe(SHOP, intent_id=PI_A) as changes:
        waiting = asyncio.create_task(changes.next(within=5))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        started = time.monotonic()
        feed.publish([Change(tenant=SHOP, intent_id=PI_A)])
        assert await waiting is True
        assert time.monotonic() - started < 0.1


async def test_next_gives_up_at_the_subscriptions_expiry_or_its_own_limit() -> None:
    feed = InProcessChangeFeed()
    async with feed.subscribe(SHOP, expires_in=0.2) as changes:
        started = time.monotonic()
        assert await changes.next(within=0.05) is False
        assert 0.04 < time.monotonic() - started < 0.15
        assert await changes.next() is False  # the rest of the 0.2 s
        assert 0.18 < time.monotonic() - started < 0.35
        assert await changes.next(within=10) is False  # expired: at once
        assert time.monotonic() - started < 0.4


async def test_leaving_the_block_unsubscribes() -> None:
    feed = InProcessChangeFeed()
    async with feed.subscribe(SHOP), feed.subscribe(SHOP, intent_id=PI_A):
        assert feed.subscriber_count == 2
    assert feed.subscriber_count == 0


async def test_stopping_the_feed_ends_every_subscription_even_a_waiting_one() -> None:
    feed = InProcessChangeFeed()
    async with feed.subscribe(SHOP) as changes:
        waiting = asyncio.create_task(changes.next(within=5))
        await asyncio.sleep(0.01)
        await feed.stop()
        with pytest.raises(ChangeFeedClosed):
            await waiting
        async with feed.subscribe(SHOP) as late:
            with pytest.raises(ChangeFeedClosed):
                await late.next(within=1)
