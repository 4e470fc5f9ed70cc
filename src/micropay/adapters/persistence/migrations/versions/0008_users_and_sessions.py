"""Merchant users, dashboard sessions, refresh tokens and the login throttle (contract §10).

- ``micropay_users``: ``email_key`` (the casefolded email) is unique across merchants, since a login names
  only an email. ``micropay_sessions`` and ``micropay_refresh_tokens`` (hashes only) belong to a merchant.
  The three are tenant tables with forced row-level security; their policy reads the merchant only (a user
  acts on both environments).
- ``micropay_login_throttle``: failed logins per hash of an email. Not tenant data (unknown emails count
  too) and holding no email: ``micropay_app`` reads and writes it directly.
- On Postgres, three SECURITY DEFINER lookups owned by ``micropay_directory`` (like 0002's), executable by
  ``micropay_app`` only: a user by exact ``email_key`` (login), a refresh token by exact hash (refresh), a
  session by id (the per-request check of an access token).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APP = "micropay_app"
DIRECTORY = "micropay_directory"
ID = sa.String(64)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TENANT_TABLES = ("micropay_users", "micropay_sessions", "micropay_refresh_tokens")
APP_PRIVILEGES = {
    "micropay_users": "SELECT, INSERT, UPDATE, DELETE",
    "micropay_sessions": "SELECT, INSERT, UPDATE, DELETE",
    "micropay_refresh_tokens": "SELECT, INSERT, UPDATE, DELETE",
    "micropay_login_throttle": "SELECT, INSERT, UPDATE, DELETE",
}
DIRECTORY_PRIVILEGES = {
    "micropay_users": "SELECT",
    "micropay_sessions": "SELECT",
    "micropay_refresh_tokens": "SELECT",
}
MERCHANT = "merchant_id = current_setting('micropay.merchant_id', true)"
FUNCTIONS = {
    "micropay_find_user_by_email(text)": """
        CREATE FUNCTION micropay_find_user_by_email(p_email_key text)
        RETURNS TABLE (id text, merchant_id text, email text, email_key text, role text, password_hash text,
                       created bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ SELECT u.id, u.merchant_id, u.email, u.email_key, u.role, u.password_hash, u.created
              FROM {schema}.micropay_users AS u WHERE u.email_key = p_email_key $$""",
    "micropay_find_refresh_token(text)": """
        CREATE FUNCTION micropay_find_refresh_token(p_token_hash text)
        RETURNS TABLE (token_hash text, session_id text, merchant_id text, created bigint, spent_at bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ SELECT t.token_hash, t.session_id, t.merchant_id, t.created, t.spent_at
              FROM {schema}.micropay_refresh_tokens AS t WHERE t.token_hash = p_token_hash $$""",
    "micropay_find_session(text)": """
        CREATE FUNCTION micropay_find_session(p_session_id text)
        RETURNS TABLE (id text, merchant_id text, user_id text, created bigint, refreshed bigint,
                       expires_at bigint, revoked_at bigint, revoked_reason text, user_agent text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ SELECT s.id, s.merchant_id, s.user_id, s.created, s.refreshed, s.expires_at, s.revoked_at,
                     s.revoked_reason, s.user_agent
              FROM {schema}.micropay_sessions AS s WHERE s.id = p_session_id $$""",
}


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    return str(name)


def _create_tables() -> None:
    op.create_table(
        "micropay_users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("merchant_id", ID, sa.ForeignKey("micropay_merchants.id"), nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("email_key", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("email_key", name="uq_micropay_users_email_key"),
    )
    op.create_index("ix_micropay_users_merchant", "micropay_users", ["merchant_id", "id"])
    op.create_table(
        "micropay_sessions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("merchant_id", ID, sa.ForeignKey("micropay_merchants.id"), nullable=False),
        sa.Column("user_id", ID, sa.ForeignKey("micropay_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("refreshed", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger),
        sa.Column("revoked_reason", sa.Text),
        sa.Column("user_agent", sa.Text),
    )
    op.create_index("ix_micropay_sessions_user", "micropay_sessions", ["merchant_id", "user_id"])
    op.create_table(
        "micropay_refresh_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("session_id", ID, sa.ForeignKey("micropay_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("spent_at", sa.BigInteger),
    )
    op.create_index("ix_micropay_refresh_tokens_session", "micropay_refresh_tokens", ["session_id"])
    op.create_table(
        "micropay_login_throttle",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("recent", JSON, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.Double, nullable=False),
        sa.Column("updated", sa.Double, nullable=False),
    )


def _secure() -> None:
    schema = _schema()
    for table, privileges in APP_PRIVILEGES.items():
        op.execute(f"GRANT {privileges} ON {table} TO {APP}")
    for table, privileges in DIRECTORY_PRIVILEGES.items():
        op.execute(f"GRANT {privileges} ON {table} TO {DIRECTORY}")
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY micropay_tenant ON {table} USING ({MERCHANT}) WITH CHECK ({MERCHANT})")
        op.execute(f"CREATE POLICY micropay_directory_lookup ON {table} FOR SELECT TO {DIRECTORY} USING (true)")
    # ALTER ... OWNER needs the new owner to have CREATE on the schema; it keeps it only for that moment.
    op.execute(f"GRANT CREATE ON SCHEMA {schema} TO {DIRECTORY}")
    for signature, definition in FUNCTIONS.items():
        op.execute(definition.format(schema=schema))
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP}")
        op.execute(f"ALTER FUNCTION {signature} OWNER TO {DIRECTORY}")
    op.execute(f"REVOKE CREATE ON SCHEMA {schema} FROM {DIRECTORY}")


def upgrade() -> None:
    _create_tables()
    if _is_postgres():
        _secure()


def downgrade() -> None:
    if _is_postgres():
        for signature in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {signature}")
        for table in APP_PRIVILEGES:
            op.execute(f"REVOKE ALL ON {table} FROM {APP}, {DIRECTORY}")
    for table in ("micropay_login_throttle", "micropay_refresh_tokens", "micropay_sessions", "micropay_users"):
        op.drop_table(table)
