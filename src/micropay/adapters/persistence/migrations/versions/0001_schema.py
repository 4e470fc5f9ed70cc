"""Tables and indexes (both backends).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
ENV = sa.String(16)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "micropay_merchants",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("created", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "micropay_api_keys",
        sa.Column("id", ID, primary_key=True),
        sa.Column("merchant_id", ID, sa.ForeignKey("micropay_merchants.id"), nullable=False),
        sa.Column("environment", ENV, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("key_hash", sa.Text, nullable=False, unique=True),
        sa.Column("display_prefix", sa.Text, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger),
        sa.Column("revoked_at", sa.BigInteger),
    )
    op.create_index("ix_micropay_api_keys_tenant_type", "micropay_api_keys", ["merchant_id", "environment", "type"])
    op.create_table(
        "micropay_payment_intents",
        sa.Column("id", ID, primary_key=True),
        sa.Column("merchant_id", ID, sa.ForeignKey("micropay_merchants.id"), nullable=False),
        sa.Column("environment", ENV, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("phone_number", sa.Text),
        sa.Column("account_reference", sa.String(12), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("updated", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("attempt_id", ID),
        sa.Column("attempt_count", sa.Integer, nullable=False),
        sa.Column("next_action_expires_at", sa.BigInteger),
        sa.Column("last_payment_error", JSON),
        sa.Column("mpesa_phone_number", sa.Text),
        sa.Column("provider_ref", sa.Text, unique=True),
        sa.Column("mpesa_merchant_request_id", sa.Text),
        sa.Column("mpesa_receipt_number", sa.Text),
        sa.Column("mpesa_transaction_date", sa.BigInteger),
        sa.Column("canceled_at", sa.BigInteger),
        sa.Column("cancellation_reason", sa.Text),
    )
    op.create_index(
        "ix_micropay_payment_intents_list", "micropay_payment_intents", ["merchant_id", "environment", "id"]
    )
    op.create_index(
        "ix_micropay_payment_intents_list_status",
        "micropay_payment_intents",
        ["merchant_id", "environment", "status", "id"],
    )
    op.create_table(
        "micropay_provider_attempts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("intent_id", ID, sa.ForeignKey("micropay_payment_intents.id"), nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.Column("environment", ENV, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("push_id", ID, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("request", JSON),
        sa.Column("response", JSON),
        sa.Column("http_status", sa.Integer),
        sa.Column("checkout_request_id", sa.Text),
        sa.Column("callback_token_hash", sa.Text, unique=True),
        sa.Column("callback_token_hint", sa.Text),
        sa.Column("updated", sa.BigInteger),
    )
    op.create_index("ix_micropay_provider_attempts_intent", "micropay_provider_attempts", ["intent_id", "id"])
    op.create_table(
        "micropay_provider_credentials",
        sa.Column("merchant_id", ID, sa.ForeignKey("micropay_merchants.id"), primary_key=True),
        sa.Column("environment", ENV, primary_key=True),
        sa.Column("encrypted_blob", sa.Text, nullable=False),
        sa.Column("iv", sa.Text, nullable=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("business_short_code", sa.Text, nullable=False),
        sa.Column("transaction_type", sa.Text, nullable=False),
        sa.Column("party_b", sa.Text),
        sa.Column("consumer_key_last4", sa.Text, nullable=False),
        sa.Column("updated", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "micropay_idempotency_keys",
        sa.Column("merchant_id", ID, primary_key=True),
        sa.Column("environment", ENV, primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("response_status", sa.Integer),
        sa.Column("response_body", sa.LargeBinary),
        sa.Column("response_content_type", sa.Text),
    )
    op.create_table(
        "micropay_unmatched_callbacks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.Identity(), primary_key=True),
        sa.Column("token_hint", sa.Text, nullable=False),
        sa.Column("body", JSON),
        sa.Column("received_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "micropay_unmatched_callbacks",
        "micropay_idempotency_keys",
        "micropay_provider_credentials",
        "micropay_provider_attempts",
        "micropay_payment_intents",
        "micropay_api_keys",
        "micropay_merchants",
    ):
        op.drop_table(table)
