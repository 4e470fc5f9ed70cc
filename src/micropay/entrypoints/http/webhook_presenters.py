"""Webhook endpoints and deliveries as their response Structs (contract §9; ``webhook_openapi``)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from micropay.adapters.webhooks.standard_webhooks import encode_secret
from micropay.domain.model.webhooks import WebhookDelivery, WebhookEndpoint
from micropay.entrypoints.http.webhook_openapi import (
    DeliveryAttemptObject,
    WebhookDeliveryList,
    WebhookDeliveryObject,
    WebhookEndpointList,
    WebhookEndpointObject,
)


def endpoint_body(
    endpoint: WebhookEndpoint, *, secret: bytes | None = None, deleted: bool = False
) -> WebhookEndpointObject:
    return WebhookEndpointObject(
        id=endpoint.id,
        url=endpoint.url,
        enabled_events=list(endpoint.enabled_events),
        description=endpoint.description,
        status=endpoint.status,
        disabled_reason=endpoint.disabled_reason,
        livemode=endpoint.environment.livemode,
        created=endpoint.created,
        secret=encode_secret(secret) if secret is not None else msgspec.UNSET,  # create and rotate_secret only
        deleted=True if deleted else msgspec.UNSET,
    )


def endpoint_list(endpoints: Sequence[WebhookEndpoint], has_more: bool, url: str) -> WebhookEndpointList:
    return WebhookEndpointList(data=[endpoint_body(e) for e in endpoints], has_more=has_more, url=url)


def delivery_body(delivery: WebhookDelivery) -> WebhookDeliveryObject:
    return WebhookDeliveryObject(
        id=delivery.id,
        event=delivery.event_id,
        event_type=delivery.event_type,
        endpoint=delivery.endpoint_id,
        status=delivery.status,
        attempts=[
            DeliveryAttemptObject(
                created=a.created,
                http_status=a.http_status,
                duration_ms=a.duration_ms,
                error=a.error,
                response_excerpt=a.response_excerpt,
            )
            for a in delivery.attempts
        ],
        next_attempt_at=delivery.next_attempt_at,
        created=delivery.created,
    )


def delivery_list(deliveries: Sequence[WebhookDelivery], has_more: bool, url: str) -> WebhookDeliveryList:
    return WebhookDeliveryList(data=[delivery_body(d) for d in deliveries], has_more=has_more, url=url)
