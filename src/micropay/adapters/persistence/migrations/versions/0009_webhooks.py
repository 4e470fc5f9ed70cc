"""Outbound webhooks (contract §9): endpoints, deliveries, attempts; on Postgres their grants, row-level
security and the dispatcher's claim function.

The three tables are tenant tables with forced row-level security like the others (0002). The dispatcher
must find due deliveries of every tenant, which ``micropay_app`` cannot read: it calls
``micropay_claim_webhook_deliveries``, a SECURITY DEFINER function owned by ``micropay_directory`` that leases
due rows with ``FOR UPDATE SKIP LOCKED`` (each row to exactly one caller) and returns only their tenant and
id; ``micropay_release_webhook_deliveries`` gives leases back; ``micropay_webhook_secret_tenants`` tells vault
rotation which tenants hold secrets under an old master key. Everything else (loading a delivery, recording
an attempt) happens in the tenant's own transaction. On SQLite the same statements run directly.

Revision ID: 0009
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None

APP = "micropay_app"
DIRECTORY = "micropay_directory"
ID = sa.String(64)
ENV = sa.String(16)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ENDPOINTS = "micropay_webhook_endpoints"
DELIVERIES = "micropay_webhook_deliveries"
ATTEMPTS = "micropay_webhook_attempts"
TENANT_TABLES = (ENDPOINTS, DELIVERIES, ATTEMPTS)
TENANT = (
    "merchant_id = current_setting('micropay.merchant_id', true)"
    " AND environment = current_setting('micropay.environment', true)"
)
FUNCTIONS = {
    "micropay_claim_webhook_deliveries(bigint, bigint, text, integer)": """
        CREATE FUNCTION micropay_claim_webhook_deliveries(
            p_now bigint, p_lease_until bigint, p_token text, p_limit integer)
        RETURNS TABLE (merchant_id text, environment text, delivery_id text, endpoint_id text)
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ UPDATE {schema}.micropay_webhook_deliveries AS d
              SET lease_token = p_token, lease_until = p_lease_until
              WHERE d.id IN (
                  SELECT c.id FROM {schema}.micropay_webhook_deliveries AS c
                  WHERE c.status = 'pending' AND c.next_attempt_at <= p_now
                    AND (c.lease_until IS NULL OR c.lease_until <= p_now)
                  ORDER BY c.next_attempt_at LIMIT greatest(p_limit, 0)
                  FOR UPDATE SKIP LOCKED)
              RETURNING d.merchant_id, d.environment, d.id, d.endpoint_id $$""",
    "micropay_webhook_secret_tenants(text)": """
        CREATE FUNCTION micropay_webhook_secret_tenants(p_not_key_id text)
        RETURNS TABLE (merchant_id text, environment text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ SELECT DISTINCT e.merchant_id, e.environment FROM {schema}.micropay_webhook_endpoints AS e,
                     jsonb_array_elements(e.secrets) AS s
              WHERE s->>'key_id' <> p_not_key_id ORDER BY e.merchant_id, e.environment $$""",
    "micropay_release_webhook_deliveries(text[], text, bigint)": """
        CREATE FUNCTION micropay_release_webhook_deliveries(p_ids text[], p_token text, p_until bigint)
        RETURNS void
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ UPDATE {schema}.micropay_webhook_deliveries AS d
              SET lease_token = NULL, lease_until = p_until
              WHERE d.id = ANY(p_ids) AND d.lease_token = p_token $$""",
}


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    return str(name)


def upgrade() -> None:
    op.create_table(
        ENDPOINTS,
        sa.Column("id", ID, primary_key=True),
        sa.Column("merchant_id", ID, sa.ForeignKey("micropay_merchants.id"), nullable=False),
        sa.Column("environment", ENV, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("enabled_events", JSON, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("secrets", JSON, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("failing_since", sa.BigInteger),
        sa.Column("last_failure_at", sa.BigInteger),
    )
    op.create_index("ix_micropay_webhook_endpoints_list", ENDPOINTS, ["merchant_id", "environment", "id"])
    op.create_table(
        DELIVERIES,
        sa.Column("id", ID, primary_key=True),
        sa.Column("merchant_id", ID, nullable=False),
        sa.Column("environment", ENV, nullable=False),
        sa.Column("event_id", ID, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("endpoint_id", ID, sa.ForeignKey(f"{ENDPOINTS}.id", ondelete="CASCADE"), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("scheduled_attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger),
        sa.Column("lease_token", sa.Text),
        sa.Column("lease_until", sa.BigInteger),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("event_id", "endpoint_id", name="uq_micropay_webhook_deliveries_event_endpoint"),
    )
    op.create_index("ix_micropay_webhook_deliveries_due", DELIVERIES, ["status", "next_attempt_at"])
    op.create_index("ix_micropay_webhook_deliveries_endpoint", DELIVERIES, ["endpoint_id", "id"])
    op.create_table(
        ATTEMPTS,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("delivery_id", ID, sa.ForeignKey(f"{DELIVERIES}.id", ondelete="CASCADE"), nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.Column("environment", ENV, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("response_excerpt", sa.Text),
    )
    op.create_index("ix_micropay_webhook_attempts_delivery", ATTEMPTS, ["delivery_id", "id"])
    if _is_postgres():
        _secure()


def _secure() -> None:
    schema = _schema()
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {ENDPOINTS}, {DELIVERIES}, {ATTEMPTS} TO {APP}")
    op.execute(f"GRANT USAGE ON SEQUENCE {ATTEMPTS}_id_seq TO {APP}")
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY micropay_tenant ON {table} USING ({TENANT}) WITH CHECK ({TENANT})")
    # The claim function sees every tenant's deliveries but may change only the lease columns.
    op.execute(
        f"GRANT SELECT (id, merchant_id, environment, endpoint_id, status, next_attempt_at, lease_token, lease_until),"
        f" UPDATE (lease_token, lease_until) ON {DELIVERIES} TO {DIRECTORY}"
    )
    op.execute(f"CREATE POLICY micropay_directory_lookup ON {DELIVERIES} FOR SELECT TO {DIRECTORY} USING (true)")
    # vault rotation: which tenants hold secrets under an old master key (the sealed blobs stay unreadable)
    op.execute(f"GRANT SELECT (merchant_id, environment, secrets) ON {ENDPOINTS} TO {DIRECTORY}")
    op.execute(f"CREATE POLICY micropay_directory_lookup ON {ENDPOINTS} FOR SELECT TO {DIRECTORY} USING (true)")
    op.execute(
        f"CREATE POLICY micropay_directory_lease ON {DELIVERIES} FOR UPDATE TO {DIRECTORY}"
        " USING (true) WITH CHECK (true)"
    )
    # ALTER ... OWNER needs the new owner to have CREATE on the schema; it keeps it only for that moment.
    op.execute(f"GRANT CREATE ON SCHEMA {schema} TO {DIRECTORY}")
    for signature, definition in FUNCTIONS.items():
        op.execute(definition.format(schema=schema))
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP}")
        op.execute(f"ALTER FUNCTION {signature} OWNER TO {DIRECTORY}")
    op.execute(f"REVOKE CREATE ON SCHEMA {schema} FROM {DIRECTORY}")


def downgrade() -> None:
    if _is_postgres():
        for signature in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {signature}")
        op.execute(f"REVOKE ALL ON {DELIVERIES}, {ENDPOINTS} FROM {DIRECTORY}")
        for table in TENANT_TABLES:
            op.execute(f"REVOKE ALL ON {table} FROM {APP}")
    op.drop_table(ATTEMPTS)
    op.drop_table(DELIVERIES)
    op.drop_table(ENDPOINTS)
