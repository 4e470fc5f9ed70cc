from __future__ import annotations

from typing import Protocol

import msgspec

from micropay.domain.model.webhooks import SigningSecret


class WebhookMessage(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    message_id: str  # the event id: the same on every attempt, what receivers deduplicate on
    timestamp: int
    body: bytes
    secrets: tuple[SigningSecret, ...]

    def __repr__(self) -> str:
        return f"WebhookMessage(url=<hidden>, message_id={self.message_id!r}, timestamp={self.timestamp})"


class SendOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What one POST gave: the status (None when no answer came), how long it took, what the receiver said."""

    http_status: int | None
    duration_ms: int
    error: str | None = None
    response_excerpt: str | None = None
    retry_after: int | None = None  # seconds, from a Retry-After header


class WebhookSender(Protocol):
    """One signed POST of a message to a receiver. Never raises for the receiver's or the network's
    failures (refused target, DNS, timeout, TLS, non-2xx): they are outcomes."""

    async def send(self, message: WebhookMessage, *, allow_private: bool) -> SendOutcome: ...
