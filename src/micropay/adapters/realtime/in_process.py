"""The change feed of one process (the embedded SQLite default): publish delivers at once, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager

from micropay.adapters.realtime.subscriptions import SubscriptionRegistry
from micropay.domain.model.environment import Tenant
from micropay.ports.change_feed import Change, ChangeFeed, ChangeSubscription


class InProcessChangeFeed(ChangeFeed):
    """Reaches the subscribers of this process only: right for SQLite, where one process owns the database.

    A change committed by another process (``micropay reconcile`` run from cron against the same file) is
    not announced; waiters see it at their final read, when they time out.
    """

    def __init__(self) -> None:
        self._registry = SubscriptionRegistry()

    def subscribe(
        self, tenant: Tenant, *, intent_id: str | None = None, expires_in: float | None = None
    ) -> AbstractAsyncContextManager[ChangeSubscription]:
        return self._registry.subscribe(tenant, intent_id=intent_id, expires_in=expires_in)

    def publish(self, changes: Sequence[Change]) -> None:
        for change in changes:
            self._registry.deliver(change)

    async def start(self) -> None:
        """Nothing to connect; here so both feeds have the same lifecycle."""

    async def stop(self) -> None:
        """Every open subscription raises ``ChangeFeedClosed`` from now on (streams end, waiters answer)."""
        self._registry.close()

    @property
    def subscriber_count(self) -> int:
        return self._registry.count
