"""The tables, declared once with an ORM registry that has advanced-alchemy's naming convention.

The repositories run Core statements against these tables (no identity map, no unit-of-work flush): a
request costs only the round trips it needs. Times are Unix seconds as in the domain, except the idempotency
record's ``created_at`` which is the float the domain uses.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

ID = String(64)
ENV = String(16)
# JSONB on Postgres, JSON text on SQLite. (advanced-alchemy's own JsonB carries an Oracle variant that does not
# attach to tables under SQLAlchemy 2.1, so we declare the two variants we use.)
JsonB = JSON().with_variant(JSONB(), "postgresql")


#: advanced-alchemy's naming convention (``advanced_alchemy.base.convention``), which named every constraint and
#: index the migrations created. Written out rather than imported: importing advanced-alchemy costs about a
#: third of the server's start-up (issue #16), and every column here has its SQL type spelled out, so its
#: annotation type map is not needed either.
NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class MicropayBase(DeclarativeBase):
    """Our own registry (not a global one), so embedding apps keep their metadata apart."""

    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class MerchantRow(MicropayBase):
    __tablename__ = "micropay_merchants"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    created: Mapped[int] = mapped_column(BigInteger)


class ApiKeyRow(MicropayBase):
    __tablename__ = "micropay_api_keys"
    __table_args__ = (Index("ix_micropay_api_keys_tenant_type", "merchant_id", "environment", "type"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_merchants.id"))
    environment: Mapped[str] = mapped_column(ENV)
    type: Mapped[str] = mapped_column(Text)
    key_hash: Mapped[str] = mapped_column(Text, unique=True)
    display_prefix: Mapped[str] = mapped_column(Text)
    created: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int | None] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)


class IntentRow(MicropayBase):
    __tablename__ = "micropay_payment_intents"
    __table_args__ = (
        Index("ix_micropay_payment_intents_list", "merchant_id", "environment", "id"),
        Index("ix_micropay_payment_intents_list_status", "merchant_id", "environment", "status", "id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_merchants.id"))
    environment: Mapped[str] = mapped_column(ENV)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(Text)
    phone_number: Mapped[str | None] = mapped_column(Text)
    account_reference: Mapped[str] = mapped_column(String(12))
    description: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JsonB)
    secret_hash: Mapped[str] = mapped_column(Text)
    created: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    attempt_id: Mapped[str | None] = mapped_column(ID)
    attempt_count: Mapped[int] = mapped_column(Integer)
    next_action_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    last_payment_error: Mapped[dict[str, Any] | None] = mapped_column(JsonB)
    mpesa_phone_number: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(Text, unique=True)  # Daraja's CheckoutRequestID
    mpesa_merchant_request_id: Mapped[str | None] = mapped_column(Text)
    mpesa_receipt_number: Mapped[str | None] = mapped_column(Text)
    mpesa_transaction_date: Mapped[int | None] = mapped_column(BigInteger)
    canceled_at: Mapped[int | None] = mapped_column(BigInteger)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    # when the automatic reconciliation last asked Daraja about it (bookkeeping, not part of the intent)
    reconciled_at: Mapped[int | None] = mapped_column(BigInteger)


# the automatic reconciliation's queue: processing intents by last activity (migration 0005)
Index(
    "ix_micropay_payment_intents_stuck",
    IntentRow.status,
    func.coalesce(IntentRow.reconciled_at, IntentRow.updated),
    IntentRow.id,
)


class AttemptRow(MicropayBase):
    __tablename__ = "micropay_provider_attempts"
    __table_args__ = (Index("ix_micropay_provider_attempts_intent", "intent_id", "id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    intent_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_payment_intents.id"))
    merchant_id: Mapped[str] = mapped_column(ID)
    environment: Mapped[str] = mapped_column(ENV)
    kind: Mapped[str] = mapped_column(Text)
    push_id: Mapped[str] = mapped_column(ID)
    created: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str | None] = mapped_column(Text)
    request: Mapped[Any] = mapped_column(JsonB, nullable=True)
    response: Mapped[Any] = mapped_column(JsonB, nullable=True)
    http_status: Mapped[int | None] = mapped_column(Integer)
    checkout_request_id: Mapped[str | None] = mapped_column(Text)
    callback_token_hash: Mapped[str | None] = mapped_column(Text, unique=True)
    callback_token_hint: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[int | None] = mapped_column(BigInteger)


class CredentialRow(MicropayBase):
    __tablename__ = "micropay_provider_credentials"

    merchant_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_merchants.id"), primary_key=True)
    environment: Mapped[str] = mapped_column(ENV, primary_key=True)
    encrypted_blob: Mapped[str] = mapped_column(Text)
    iv: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(Text)
    business_short_code: Mapped[str] = mapped_column(Text)
    transaction_type: Mapped[str] = mapped_column(Text)
    party_b: Mapped[str | None] = mapped_column(Text)
    consumer_key_last4: Mapped[str] = mapped_column(Text)
    updated: Mapped[int] = mapped_column(BigInteger)


class IdempotencyRow(MicropayBase):
    __tablename__ = "micropay_idempotency_keys"
    __table_args__ = (Index("ix_micropay_idempotency_keys_created_at", "created_at"),)  # pruning

    merchant_id: Mapped[str] = mapped_column(ID, primary_key=True)
    environment: Mapped[str] = mapped_column(ENV, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Double)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_content_type: Mapped[str | None] = mapped_column(Text)
    # what the key's request created or started, bound in that object's transaction (migration 0007)
    object_id: Mapped[str | None] = mapped_column(ID)
    sealed_secret: Mapped[bytes | None] = mapped_column(LargeBinary)


class UnmatchedCallbackRow(MicropayBase):
    __tablename__ = "micropay_unmatched_callbacks"
    __table_args__ = (Index("ix_micropay_unmatched_callbacks_received_at", "received_at"),)  # budget, pruning

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True)
    token_hint: Mapped[str] = mapped_column(Text)
    body: Mapped[Any] = mapped_column(JsonB, nullable=True)
    received_at: Mapped[int] = mapped_column(BigInteger)


class UserRow(MicropayBase):
    """Merchant users (migration 0008); ``email_key`` is the casefolded email, unique across merchants."""

    __tablename__ = "micropay_users"
    __table_args__ = (Index("ix_micropay_users_merchant", "merchant_id", "id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_merchants.id"))
    email: Mapped[str] = mapped_column(Text)
    email_key: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    created: Mapped[int] = mapped_column(BigInteger)


class SessionRow(MicropayBase):
    __tablename__ = "micropay_sessions"
    __table_args__ = (Index("ix_micropay_sessions_user", "merchant_id", "user_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_merchants.id"))
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_users.id", ondelete="CASCADE"))
    created: Mapped[int] = mapped_column(BigInteger)
    refreshed: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)


class RefreshTokenRow(MicropayBase):
    __tablename__ = "micropay_refresh_tokens"
    __table_args__ = (Index("ix_micropay_refresh_tokens_session", "session_id"),)

    token_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    session_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_sessions.id", ondelete="CASCADE"))
    merchant_id: Mapped[str] = mapped_column(ID)
    created: Mapped[int] = mapped_column(BigInteger)
    spent_at: Mapped[int | None] = mapped_column(BigInteger)


class LoginThrottleRow(MicropayBase):
    """Failed logins per email, keyed by a hash of the email (not tenant data: unknown emails count too)."""

    __tablename__ = "micropay_login_throttle"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    recent: Mapped[Any] = mapped_column(JsonB)
    failures: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[float] = mapped_column(Double)
    updated: Mapped[float] = mapped_column(Double)


class EventRow(MicropayBase):
    """An Event (docs/api.md): ``seq`` orders events as they were written (ids only sort to the millisecond)."""

    __tablename__ = "micropay_events"
    __table_args__ = (
        Index("ix_micropay_events_list", "merchant_id", "environment", "seq"),
        Index("ix_micropay_events_intent", "merchant_id", "environment", "intent_id", "seq"),
        Index("ix_micropay_events_created", "created"),  # pruning
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True)
    id: Mapped[str] = mapped_column(ID, unique=True)
    merchant_id: Mapped[str] = mapped_column(ID, ForeignKey("micropay_merchants.id"))
    environment: Mapped[str] = mapped_column(ENV)
    intent_id: Mapped[str] = mapped_column(ID)
    type: Mapped[str] = mapped_column(Text)
    created: Mapped[int] = mapped_column(BigInteger)
    api_version: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JsonB)
    request: Mapped[dict[str, Any] | None] = mapped_column(JsonB, nullable=True)
    pending_webhooks: Mapped[int] = mapped_column(Integer)


def table_of(model: type[MicropayBase]) -> Table:
    table = model.__table__
    if not isinstance(table, Table):  # pragma: no cover - every model above maps one table
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


MERCHANTS = table_of(MerchantRow)
API_KEYS = table_of(ApiKeyRow)
INTENTS = table_of(IntentRow)
ATTEMPTS = table_of(AttemptRow)
CREDENTIALS = table_of(CredentialRow)
IDEMPOTENCY = table_of(IdempotencyRow)
UNMATCHED_CALLBACKS = table_of(UnmatchedCallbackRow)
USERS = table_of(UserRow)
SESSIONS = table_of(SessionRow)
REFRESH_TOKENS = table_of(RefreshTokenRow)
LOGIN_THROTTLE = table_of(LoginThrottleRow)
EVENTS = table_of(EventRow)
