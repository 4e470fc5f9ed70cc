"""``client.webhook_endpoints`` (contract §9)."""

from __future__ import annotations

from typing import Any, Unpack

from micropay_sdk import _wire
from micropay_sdk._transport import AsyncRequester, SyncRequester
from micropay_sdk._wire import ApiCall
from micropay_sdk.objects import DeletedWebhookEndpoint, WebhookDelivery, WebhookEndpoint, WebhookRecovery
from micropay_sdk.pagination import AsyncPage, Page
from micropay_sdk.params import ListParams, WebhookEndpointCreateParams, WebhookEndpointUpdateParams

BASE = "/v1/webhook_endpoints"


def _path(endpoint_id: str, action: str = "") -> str:
    return f"{BASE}/{_wire.segment(endpoint_id, 'endpoint_id')}{action}"


def _rotate(endpoint_id: str, expires_in: int | None, key: str | None) -> ApiCall[WebhookEndpoint]:
    body = {} if expires_in is None else {"expires_in": expires_in}
    return _wire.post(_path(endpoint_id, "/rotate_secret"), WebhookEndpoint, body, key)


def _recover(endpoint_id: str, since: int, until: int | None, key: str | None) -> ApiCall[WebhookRecovery]:
    body: dict[str, Any] = {"since": since}
    if until is not None:
        body["until"] = until
    return _wire.post(_path(endpoint_id, "/recover"), WebhookRecovery, body, key)


class WebhookEndpoints:
    def __init__(self, requester: SyncRequester) -> None:
        self._requester = requester

    def create(
        self, *, idempotency_key: str | None = None, **params: Unpack[WebhookEndpointCreateParams]
    ) -> WebhookEndpoint:
        """201: the endpoint with its signing ``secret`` (``whsec_...``), shown only here and on rotation."""
        return self._requester.send(_wire.post(BASE, WebhookEndpoint, params, idempotency_key))

    def list(self, **params: Unpack[ListParams]) -> Page[WebhookEndpoint]:
        return self._requester.page(BASE, WebhookEndpoint, dict(params))

    def retrieve(self, endpoint_id: str) -> WebhookEndpoint:
        return self._requester.send(_wire.get(_path(endpoint_id), WebhookEndpoint))

    def update(
        self, endpoint_id: str, *, idempotency_key: str | None = None, **params: Unpack[WebhookEndpointUpdateParams]
    ) -> WebhookEndpoint:
        """Change ``url``, ``enabled_events``, ``description``; ``disabled=True`` stops deliveries."""
        return self._requester.send(_wire.post(_path(endpoint_id), WebhookEndpoint, params, idempotency_key))

    def delete(self, endpoint_id: str) -> DeletedWebhookEndpoint:
        return self._requester.send(_wire.delete(_path(endpoint_id), DeletedWebhookEndpoint))

    def rotate_secret(
        self, endpoint_id: str, *, expires_in: int | None = None, idempotency_key: str | None = None
    ) -> WebhookEndpoint:
        """A new secret (returned once); the old one keeps signing beside it for ``expires_in`` seconds
        (server default 24 h; 0 = stop at once)."""
        return self._requester.send(_rotate(endpoint_id, expires_in, idempotency_key))

    def deliveries(self, endpoint_id: str, **params: Unpack[ListParams]) -> Page[WebhookDelivery]:
        return self._requester.page(_path(endpoint_id, "/deliveries"), WebhookDelivery, dict(params))

    def recover(
        self, endpoint_id: str, *, since: int, until: int | None = None, idempotency_key: str | None = None
    ) -> WebhookRecovery:
        """Reschedule every failed or never-attempted delivery between ``since`` and ``until`` (Unix
        seconds, at most 14 days back)."""
        return self._requester.send(_recover(endpoint_id, since, until, idempotency_key))


class AsyncWebhookEndpoints:
    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester

    async def create(
        self, *, idempotency_key: str | None = None, **params: Unpack[WebhookEndpointCreateParams]
    ) -> WebhookEndpoint:
        return await self._requester.send(_wire.post(BASE, WebhookEndpoint, params, idempotency_key))

    async def list(self, **params: Unpack[ListParams]) -> AsyncPage[WebhookEndpoint]:
        return await self._requester.page(BASE, WebhookEndpoint, dict(params))

    async def retrieve(self, endpoint_id: str) -> WebhookEndpoint:
        return await self._requester.send(_wire.get(_path(endpoint_id), WebhookEndpoint))

    async def update(
        self, endpoint_id: str, *, idempotency_key: str | None = None, **params: Unpack[WebhookEndpointUpdateParams]
    ) -> WebhookEndpoint:
        return await self._requester.send(_wire.post(_path(endpoint_id), WebhookEndpoint, params, idempotency_key))

    async def delete(self, endpoint_id: str) -> DeletedWebhookEndpoint:
        return await self._requester.send(_wire.delete(_path(endpoint_id), DeletedWebhookEndpoint))

    async def rotate_secret(
        self, endpoint_id: str, *, expires_in: int | None = None, idempotency_key: str | None = None
    ) -> WebhookEndpoint:
        return await self._requester.send(_rotate(endpoint_id, expires_in, idempotency_key))

    async def deliveries(self, endpoint_id: str, **params: Unpack[ListParams]) -> AsyncPage[WebhookDelivery]:
        return await self._requester.page(_path(endpoint_id, "/deliveries"), WebhookDelivery, dict(params))

    async def recover(
        self, endpoint_id: str, *, since: int, until: int | None = None, idempotency_key: str | None = None
    ) -> WebhookRecovery:
        return await self._requester.send(_recover(endpoint_id, since, until, idempotency_key))
