"""``client.events`` (contract §8, §9). An intent's own events: ``client.payment_intents.events(id)``."""

from __future__ import annotations

from typing import Unpack

from micropay_sdk import _wire
from micropay_sdk._transport import AsyncRequester, SyncRequester
from micropay_sdk._wire import ApiCall
from micropay_sdk.objects import Event, WebhookDelivery
from micropay_sdk.pagination import AsyncPage, Page
from micropay_sdk.params import EventListParams, ListParams

BASE = "/v1/events"


def _path(event_id: str, action: str = "") -> str:
    return f"{BASE}/{_wire.segment(event_id, 'event_id')}{action}"


def _retry(event_id: str, endpoint: str, key: str | None) -> ApiCall[WebhookDelivery]:
    return _wire.post(_path(event_id, "/retry"), WebhookDelivery, {"endpoint": endpoint}, key)


class Events:
    def __init__(self, requester: SyncRequester) -> None:
        self._requester = requester

    def list(self, **params: Unpack[EventListParams]) -> Page[Event]:
        """Newest first; filters ``type`` (``payment_intent.*`` for a prefix), ``types``, ``created``
        (``{"gte": ...}``), ``delivery_success``."""
        return self._requester.page(BASE, Event, dict(params))

    def retrieve(self, event_id: str) -> Event:
        return self._requester.send(_wire.get(_path(event_id), Event))

    def deliveries(self, event_id: str, **params: Unpack[ListParams]) -> Page[WebhookDelivery]:
        """This event's webhook deliveries, one per endpoint it was sent to."""
        return self._requester.page(_path(event_id, "/deliveries"), WebhookDelivery, dict(params))

    def retry(self, event_id: str, *, endpoint: str, idempotency_key: str | None = None) -> WebhookDelivery:
        """Deliver this event to that endpoint now (also after the delivery ``failed``)."""
        return self._requester.send(_retry(event_id, endpoint, idempotency_key))


class AsyncEvents:
    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester

    async def list(self, **params: Unpack[EventListParams]) -> AsyncPage[Event]:
        return await self._requester.page(BASE, Event, dict(params))

    async def retrieve(self, event_id: str) -> Event:
        return await self._requester.send(_wire.get(_path(event_id), Event))

    async def deliveries(self, event_id: str, **params: Unpack[ListParams]) -> AsyncPage[WebhookDelivery]:
        return await self._requester.page(_path(event_id, "/deliveries"), WebhookDelivery, dict(params))

    async def retry(self, event_id: str, *, endpoint: str, idempotency_key: str | None = None) -> WebhookDelivery:
        return await self._requester.send(_retry(event_id, endpoint, idempotency_key))
