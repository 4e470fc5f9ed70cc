"""Postgres only: the roles, their grants, row-level security and the tenant directory functions.

See docs/adr/0003-tenant-isolation-rls.md. ``micropay_app`` is what the service runs as (no direct
cross-tenant reads); ``micropay_directory`` owns the four SECURITY DEFINER functions and may read only the
columns those functions return. Roles are cluster-wide and may serve other databases: downgrade revokes
what this database granted and keeps the roles.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APP = "micropay_app"
DIRECTORY = "micropay_directory"
TENANT_TABLES = (
    "micropay_api_keys",
    "micropay_payment_intents",
    "micropay_provider_attempts",
    "micropay_provider_credentials",
    "micropay_idempotency_keys",
)
APP_PRIVILEGES = {
    "micropay_merchants": "SELECT, INSERT",
    "micropay_api_keys": "SELECT, INSERT, UPDATE",
    "micropay_payment_intents": "SELECT, INSERT, UPDATE",
    "micropay_provider_attempts": "SELECT, INSERT, UPDATE",
    "micropay_provider_credentials": "SELECT, INSERT, UPDATE, DELETE",
    "micropay_idempotency_keys": "SELECT, INSERT, UPDATE, DELETE",
}
DIRECTORY_PRIVILEGES = {
    "micropay_api_keys": "SELECT",
    "micropay_provider_attempts": "SELECT (merchant_id, environment, intent_id, push_id, callback_token_hash)",
    "micropay_provider_credentials": "SELECT (merchant_id, environment, key_id)",
    "micropay_unmatched_callbacks": "INSERT (token_hint, body, received_at)",
}
TENANT = (
    "merchant_id = current_setting('micropay.merchant_id', true)"
    " AND environment = current_setting('micropay.environment', true)"
)
FUNCTIONS = {
    "micropay_find_api_key(text)": """
        CREATE FUNCTION micropay_find_api_key(p_key_hash text)
        RETURNS TABLE (id text, merchant_id text, environment text, type text, key_hash text,
                       display_prefix text, created bigint, expires_at bigint, revoked_at bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ SELECT k.id, k.merchant_id, k.environment, k.type, k.key_hash, k.display_prefix,
                     k.created, k.expires_at, k.revoked_at
              FROM {schema}.micropay_api_keys AS k WHERE k.key_hash = p_key_hash $$""",
    "micropay_route_callback(text)": """
        CREATE FUNCTION micropay_route_callback(p_token_hash text)
        RETURNS TABLE (merchant_id text, environment text, intent_id text, push_id text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ SELECT a.merchant_id, a.environment, a.intent_id, a.push_id
              FROM {schema}.micropay_provider_attempts AS a WHERE a.callback_token_hash = p_token_hash $$""",
    "micropay_credential_tenants(text)": """
        CREATE FUNCTION micropay_credential_tenants(p_not_key_id text)
        RETURNS TABLE (merchant_id text, environment text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ SELECT c.merchant_id, c.environment FROM {schema}.micropay_provider_credentials AS c
              WHERE c.key_id <> p_not_key_id ORDER BY c.merchant_id, c.environment $$""",
    "micropay_record_unroutable_callback(text, jsonb, bigint)": """
        CREATE FUNCTION micropay_record_unroutable_callback(p_token_hint text, p_body jsonb, p_received_at bigint)
        RETURNS void
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ INSERT INTO {schema}.micropay_unmatched_callbacks (token_hint, body, received_at)
              VALUES (left(p_token_hint, 6), p_body, p_received_at) $$""",
}


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    return str(name)


def _create_role(role: str) -> None:
    # Roles are cluster-wide: another database's migration may create it at the same moment.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
            ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}' AND (rolsuper OR rolbypassrls)) THEN
                ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$"""  # noqa: S608 - role is one of the two constants above
    )
    # The migrating role must be able to SET ROLE to it (a superuser already can).
    op.execute(f"""
        DO $$
        BEGIN
            IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE format('GRANT {role} TO %I', current_user);
            END IF;
        END $$""")


def upgrade() -> None:
    if not _is_postgres():
        return
    schema = _schema()
    _create_role(APP)
    _create_role(DIRECTORY)
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {APP}, {DIRECTORY}")
    for table, privileges in APP_PRIVILEGES.items():
        op.execute(f"GRANT {privileges} ON {table} TO {APP}")
    for table, privileges in DIRECTORY_PRIVILEGES.items():
        op.execute(f"GRANT {privileges} ON {table} TO {DIRECTORY}")

    for table in (*TENANT_TABLES, "micropay_merchants"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for table in TENANT_TABLES:
        op.execute(f"CREATE POLICY micropay_tenant ON {table} USING ({TENANT}) WITH CHECK ({TENANT})")
    merchant = "id = current_setting('micropay.merchant_id', true)"
    op.execute(f"CREATE POLICY micropay_tenant ON micropay_merchants USING ({merchant}) WITH CHECK ({merchant})")
    # Not a tenant table: only the directory function writes it; the owner (operators) may read it.
    op.execute("ALTER TABLE micropay_unmatched_callbacks ENABLE ROW LEVEL SECURITY")
    for table in ("micropay_api_keys", "micropay_provider_attempts", "micropay_provider_credentials"):
        op.execute(f"CREATE POLICY micropay_directory_lookup ON {table} FOR SELECT TO {DIRECTORY} USING (true)")
    op.execute(
        "CREATE POLICY micropay_directory_record ON micropay_unmatched_callbacks"
        f" FOR INSERT TO {DIRECTORY} WITH CHECK (true)"
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
    if not _is_postgres():
        return
    schema = _schema()
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    for table in ("micropay_api_keys", "micropay_provider_attempts", "micropay_provider_credentials"):
        op.execute(f"DROP POLICY IF EXISTS micropay_directory_lookup ON {table}")
    op.execute("DROP POLICY IF EXISTS micropay_directory_record ON micropay_unmatched_callbacks")
    op.execute("ALTER TABLE micropay_unmatched_callbacks DISABLE ROW LEVEL SECURITY")
    for table in (*TENANT_TABLES, "micropay_merchants"):
        op.execute(f"DROP POLICY IF EXISTS micropay_tenant ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for table in (*APP_PRIVILEGES, "micropay_unmatched_callbacks"):
        op.execute(f"REVOKE ALL ON {table} FROM {APP}, {DIRECTORY}")
    op.execute(f"REVOKE ALL ON SCHEMA {schema} FROM {APP}, {DIRECTORY}")
