"""The subscriptions of one process, and how a change reaches them (shared by both feeds)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from micropay.domain.model.environment import Tenant
from micropay.ports.change_feed import Change, ChangeFeedClosed, ChangeSubscription

_TenantKey = tuple[str, str]


def _key(tenant: Tenant) -> _TenantKey:
    return (tenant.merchant_id, tenant.environment.value)


class Subscription(ChangeSubscription):
    """One waiter or stream: a pending-signal flag (an ``asyncio.Event``), so bursts coalesce into one read."""

    def __init__(self, intent_id: str | None, expires_at: float | None) -> None:
        self.intent_id = intent_id
        self._expires_at = expires_at
        self._signal = asyncio.Event()
        self._closed = False

    def covers(self, change: Change) -> bool:
        return self.intent_id is None or change.intent_id == self.intent_id

    def signal(self) -> None:
        self._signal.set()

    def close(self) -> None:
        self._closed = True
        self._signal.set()

    async def next(self, within: float | None = None) -> bool:
        limit = within
        if self._expires_at is not None:
            left = max(0.0, self._expires_at - time.monotonic())
            limit = left if limit is None else min(limit, left)
        if not self._signal.is_set():
            if limit is not None and limit <= 0:
                return self._closed_check(False)
            try:
                async with asyncio.timeout(limit):
                    await self._signal.wait()
            except TimeoutError:
                return self._closed_check(False)
        self._signal.clear()
        return self._closed_check(True)

    def _closed_check(self, result: bool) -> bool:
        if self._closed:
            raise ChangeFeedClosed("The change feed has stopped.")
        return result


class SubscriptionRegistry:
    """Who listens to which tenant (and intent) in this process. Not thread-safe: one event loop owns it."""

    def __init__(self) -> None:
        self._by_tenant: dict[_TenantKey, set[Subscription]] = {}
        self._closed = False

    @asynccontextmanager
    async def subscribe(
        self, tenant: Tenant, *, intent_id: str | None = None, expires_in: float | None = None
    ) -> AsyncIterator[ChangeSubscription]:
        expires_at = time.monotonic() + expires_in if expires_in is not None else None
        subscription = Subscription(intent_id, expires_at)
        if self._closed:
            subscription.close()
        key = _key(tenant)
        self._by_tenant.setdefault(key, set()).add(subscription)
        try:
            yield subscription
        finally:
            members = self._by_tenant.get(key)
            if members is not None:
                members.discard(subscription)
                if not members:
                    del self._by_tenant[key]

    def deliver(self, change: Change) -> None:
        for subscription in self._by_tenant.get(_key(change.tenant), ()):
            if subscription.covers(change):
                subscription.signal()

    def wake_all(self) -> None:
        """Notifications may have been lost (the listener reconnected): every subscriber catches up."""
        for members in self._by_tenant.values():
            for subscription in members:
                subscription.signal()

    def close(self) -> None:
        self._closed = True
        for members in self._by_tenant.values():
            for subscription in members:
                subscription.close()

    @property
    def count(self) -> int:
        return sum(len(members) for members in self._by_tenant.values())
