"""Response models of the webhook routes, for the OpenAPI document only (the JSON is built by the presenters)."""

from __future__ import annotations

from typing import Literal

import msgspec


class WebhookEndpointObject(msgspec.Struct):
    id: str
    object: Literal["webhook_endpoint"]
    url: str
    enabled_events: list[str]
    description: str | None
    status: Literal["enabled", "disabled"]
    disabled_reason: Literal["gone", "failing", "manual"] | None
    livemode: bool
    created: int
    secret: str | None = None  # whsec_...: only in the create and rotate_secret responses
    deleted: bool | None = None


class WebhookEndpointList(msgspec.Struct):
    object: Literal["list"]
    data: list[WebhookEndpointObject]
    has_more: bool
    url: str


class DeliveryAttemptObject(msgspec.Struct):
    created: int
    http_status: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None


class WebhookDeliveryObject(msgspec.Struct):
    object: Literal["webhook_delivery"]
    id: str
    event: str
    event_type: str
    endpoint: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: list[DeliveryAttemptObject]
    next_attempt_at: int | None
    created: int


class WebhookDeliveryList(msgspec.Struct):
    object: Literal["list"]
    data: list[WebhookDeliveryObject]
    has_more: bool
    url: str


class WebhookRecovery(msgspec.Struct):
    object: Literal["webhook_recovery"]
    endpoint: str
    since: int
    until: int
    rescheduled: int
