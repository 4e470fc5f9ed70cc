"""Response bodies of the webhook routes: each Struct is what the presenters build, the handler encodes and the
OpenAPI document shows (contract §9); field order is the order of the encoded body."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from micropay.domain.model.redaction import redacted_fields, redacted_repr
from micropay.domain.model.webhooks import DeliveryStatus, DisabledReason, EndpointStatus


class WebhookEndpointObject(msgspec.Struct, frozen=True, kw_only=True):
    """``secret`` (``whsec_…``) only in the create and rotate_secret answers; ``deleted`` only after a delete."""

    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    enabled_events: list[str]
    description: str | None
    status: EndpointStatus
    disabled_reason: DisabledReason | None
    livemode: bool
    created: int
    secret: str | msgspec.UnsetType = msgspec.UNSET
    deleted: Literal[True] | msgspec.UnsetType = msgspec.UNSET

    def __repr__(self) -> str:
        return redacted_repr(self, ("secret",))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("secret",))


class WebhookEndpointList(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["list"] = "list"
    data: list[WebhookEndpointObject]
    has_more: bool
    url: str


class DeliveryAttemptObject(msgspec.Struct, frozen=True, kw_only=True):
    created: int
    http_status: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None


class WebhookDeliveryObject(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["webhook_delivery"] = "webhook_delivery"
    id: str
    event: str
    event_type: str
    endpoint: str
    status: DeliveryStatus
    attempts: list[DeliveryAttemptObject]
    next_attempt_at: int | None
    created: int


class WebhookDeliveryList(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["list"] = "list"
    data: list[WebhookDeliveryObject]
    has_more: bool
    url: str


class WebhookRecovery(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["webhook_recovery"] = "webhook_recovery"
    endpoint: str
    since: int
    until: int
    rescheduled: int
