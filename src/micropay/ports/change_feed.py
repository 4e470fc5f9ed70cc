from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

import msgspec

from micropay.domain.errors import MicropayError
from micropay.domain.model.environment import Tenant


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """Something a transaction committed for ``tenant``: ids only, never the rows.

    ``intent_id`` names the payment intent whose version moved (or that the event is about); ``event_id``
    the event written, when there was one. Subscribers re-read what they need; a change tells them when.
    """

    tenant: Tenant
    intent_id: str | None = None
    event_id: str | None = None


class ChangeFeedClosed(MicropayError):
    """The feed was stopped (the process is shutting down): the subscription will never signal again."""

    code = "change_feed_closed"


class ChangeSubscription(Protocol):
    async def next(self, within: float | None = None) -> bool:
        """Wait until something this subscription covers may have changed; ``True`` then, ``False`` when
        ``within`` seconds (or the subscription's own ``expires_in``, whichever is first) pass without one.

        Changes that arrive while nobody is waiting are kept as one pending signal (they coalesce): a change
        committed after ``subscribe`` and before the first ``next`` is never lost. ``True`` also comes when
        the feed lost notifications (its connection to the database dropped and came back): the subscriber
        must catch up by reading, as for a change. Raises ``ChangeFeedClosed`` once the feed has stopped.
        """
        ...


class ChangeFeed(Protocol):
    """Tells waiters and streams, in every process, that a committed change concerns them.

    Delivery is a hint to re-read, not the data: subscribers catch up from the database (the intent, or
    the events after their cursor), so a duplicated or coalesced signal changes nothing and a lost one is
    covered by the catch-up signal the feed sends after it reconnects.
    """

    def subscribe(
        self, tenant: Tenant, *, intent_id: str | None = None, expires_in: float | None = None
    ) -> AbstractAsyncContextManager[ChangeSubscription]:
        """Subscribe to the tenant's changes (only ``intent_id``'s, when given) until the block ends.

        Subscribe before the first read, so that nothing committed between the read and the wait is missed.
        """
        ...

    def publish(self, changes: Sequence[Change]) -> None:
        """Announce what a transaction changed; called right after its commit, never before. Never blocks.

        A feed whose database announces commits itself (Postgres ``NOTIFY`` issued in the transaction)
        delivers those instead and ignores this call. Never raises for an undeliverable change: a commit
        has already happened and must not look failed.
        """
        ...
