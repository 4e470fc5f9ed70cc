"""Scheduling an event's deliveries, inside the transaction that writes the event (contract §9)."""

from __future__ import annotations

from collections.abc import Callable

from micropay.domain.model import webhooks
from micropay.domain.model.webhooks import DELIVERY_PREFIX, MAX_ENDPOINTS, DeliveryStatus, WebhookDelivery
from micropay.ports.id_generator import IdGenerator
from micropay.ports.unit_of_work import UnitOfWork


async def schedule_deliveries(
    uow: UnitOfWork,
    *,
    event_id: str,
    event_type: str,
    render: Callable[[int], bytes],
    now: int,
    ids: IdGenerator,
) -> int:
    """One pending delivery, due now, per enabled endpoint of the tenant whose ``enabled_events`` match.

    ``render(pending_webhooks)`` gives the event JSON to send (the same bytes on every attempt). Returns the
    number scheduled: the event's ``pending_webhooks``. Commit is the caller's (the event's transaction).
    """
    endpoints = [
        e
        for e in await uow.webhook_endpoints.list(limit=MAX_ENDPOINTS)
        if e.enabled and webhooks.matches(e.enabled_events, event_type)
    ]
    if not endpoints:
        return 0
    deliveries = [
        WebhookDelivery(
            id=ids.new_id(DELIVERY_PREFIX),
            event_id=event_id,
            event_type=event_type,
            endpoint_id=endpoint.id,
            status=DeliveryStatus.PENDING,
            scheduled_attempts=0,
            next_attempt_at=webhooks.next_attempt_at(0, now),
            created=now,
        )
        for endpoint in endpoints
    ]
    await uow.webhook_deliveries.schedule(deliveries, render(len(deliveries)))
    return len(deliveries)
