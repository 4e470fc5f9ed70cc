"""The JSON of webhook endpoints and deliveries (contract §9)."""

from __future__ import annotations

from typing import Any

from micropay.adapters.webhooks.standard_webhooks import encode_secret
from micropay.domain.model.webhooks import WebhookDelivery, WebhookEndpoint


def endpoint_json(endpoint: WebhookEndpoint, *, secret: bytes | None = None, deleted: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": endpoint.id,
        "object": "webhook_endpoint",
        "url": endpoint.url,
        "enabled_events": list(endpoint.enabled_events),
        "description": endpoint.description,
        "status": endpoint.status.value,
        "disabled_reason": endpoint.disabled_reason.value if endpoint.disabled_reason else None,
        "livemode": endpoint.environment.livemode,
        "created": endpoint.created,
    }
    if secret is not None:  # only in the create and rotate_secret responses
        body["secret"] = encode_secret(secret)
    if deleted:
        body["deleted"] = True
    return body


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "object": "webhook_delivery",
        "id": delivery.id,
        "event": delivery.event_id,
        "event_type": delivery.event_type,
        "endpoint": delivery.endpoint_id,
        "status": delivery.status.value,
        "attempts": [
            {
                "created": a.created,
                "http_status": a.http_status,
                "duration_ms": a.duration_ms,
                "error": a.error,
                "response_excerpt": a.response_excerpt,
            }
            for a in delivery.attempts
        ],
        "next_attempt_at": delivery.next_attempt_at,
        "created": delivery.created,
    }
