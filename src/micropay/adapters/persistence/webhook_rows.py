"""The webhook tables (migration 0009), on the same registry as the others."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from micropay.adapters.persistence.rows import ENV, ID, JsonB, MicropayBase, table_of


class WebhookEndpointRow(MicropayBase):
    __tablename__ = "micropay_webhook_endpoints"
    __table_args__ = (Index("ix_micropay_webhook_endpoints_list", "merchant_id", "environment", "id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_merchants.id"))
    environment: Mapped[str] = mapped_column(ENV)
    url: Mapped[str] = mapped_column(Text)
    enabled_events: Mapped[list[str]] = mapped_column(JsonB)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # [{"encrypted_blob", "iv", "key_id", "expires_at"}]: each secret sealed by the vault, never plaintext
    secrets: Mapped[list[dict[str, Any]]] = mapped_column(JsonB)
    created: Mapped[int] = mapped_column(BigInteger)
    failing_since: Mapped[int | None] = mapped_column(BigInteger)
    last_failure_at: Mapped[int | None] = mapped_column(BigInteger)


class WebhookDeliveryRow(MicropayBase):
    __tablename__ = "micropay_webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id", name="uq_micropay_webhook_deliveries_event_endpoint"),
        Index("ix_micropay_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_micropay_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ID)
    environment: Mapped[str] = mapped_column(ENV)
    event_id: Mapped[str] = mapped_column(ID)
    event_type: Mapped[str] = mapped_column(Text)
    endpoint_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_webhook_endpoints.id", ondelete="CASCADE"))
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the exact bytes signed and sent, on every attempt
    status: Mapped[str] = mapped_column(Text)
    scheduled_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[int | None] = mapped_column(BigInteger)
    lease_token: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[int | None] = mapped_column(BigInteger)
    created: Mapped[int] = mapped_column(BigInteger)


class WebhookAttemptRow(MicropayBase):
    __tablename__ = "micropay_webhook_attempts"
    __table_args__ = (Index("ix_micropay_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_webhook_deliveries.id", ondelete="CASCADE"))
    merchant_id: Mapped[str] = mapped_column(ID)
    environment: Mapped[str] = mapped_column(ENV)
    created: Mapped[int] = mapped_column(BigInteger)
    http_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)


WEBHOOK_ENDPOINTS = table_of(WebhookEndpointRow)
WEBHOOK_DELIVERIES = table_of(WebhookDeliveryRow)
WEBHOOK_ATTEMPTS = table_of(WebhookAttemptRow)
