from __future__ import annotations

from typing import Protocol

import msgspec

from micropay.domain.model.webhooks import AttemptRecord, WebhookDelivery


class DueDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery leased for one attempt, with the exact bytes to send (the same on every attempt)."""

    delivery: WebhookDelivery
    body: bytes
    lease_token: str


class WebhookDeliveryRepository(Protocol):
    """The tenant's deliveries, in the unit of work's transaction.

    ``schedule`` runs in the transaction that writes the event, so a delivery exists exactly when its
    event does. ``take`` and ``finish`` are compare-and-swaps on the lease token: a process whose lease
    expired (it was presumed dead) can no longer record anything over the process that took over.
    """

    async def schedule(self, deliveries: list[WebhookDelivery], body: bytes) -> None:
        """Insert one delivery per endpoint for one event (``body`` is the event JSON to send)."""
        ...

    async def take(
        self, delivery_id: str, lease_token: str, *, now: int, lease_until: int, fresh: bool
    ) -> DueDelivery | None:
        """Load the delivery for an attempt, its lease extended to ``lease_until``. ``fresh`` (a manual retry):
        take a new lease under ``lease_token`` unless another holds a live one, whatever the status. Otherwise
        the queue's claim must still hold the lease and the delivery be pending. None: not available."""
        ...

    async def finish(self, delivery: WebhookDelivery, attempt: AttemptRecord | None, lease_token: str) -> bool:
        """Store the delivery's new state and the attempt, release the lease; False (nothing written)
        when the lease is no longer ``lease_token``'s."""
        ...

    async def list(
        self, *, endpoint_id: str | None = None, event_id: str | None = None, limit: int, starting_after: str | None
    ) -> list[WebhookDelivery]:
        """Newest first, each with its attempts (oldest first)."""
        ...
