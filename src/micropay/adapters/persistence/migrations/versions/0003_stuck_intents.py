"""The automatic reconciliation's lookup: an index on (status, updated) and, on Postgres, its function.

``micropay_stuck_intents`` lists the ``processing`` intents not updated since a cutoff, across tenants,
oldest first. Like the other directory functions (migration 0002, ADR 0003) it is SECURITY DEFINER, owned
by ``micropay_directory``, executable by ``micropay_app`` only, and ``micropay_directory`` may read just the
five columns it needs. It reveals tenants and intent ids, nothing else.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APP = "micropay_app"
DIRECTORY = "micropay_directory"
INDEX = "ix_micropay_payment_intents_status_updated"
COLUMNS = "SELECT (id, merchant_id, environment, status, updated)"
SIGNATURE = "micropay_stuck_intents(bigint, integer)"
FUNCTION = """
    CREATE FUNCTION micropay_stuck_intents(p_updated_before bigint, p_limit integer)
    RETURNS TABLE (merchant_id text, environment text, intent_id text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
    AS $$ SELECT i.merchant_id, i.environment, i.id FROM {schema}.micropay_payment_intents AS i
          WHERE i.status = 'processing' AND i.updated <= p_updated_before
          ORDER BY i.updated, i.id LIMIT greatest(p_limit, 0) $$"""


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    return str(name)


def upgrade() -> None:
    op.create_index(INDEX, "micropay_payment_intents", ["status", "updated", "id"])
    if not _is_postgres():
        return
    schema = _schema()
    op.execute(f"GRANT {COLUMNS} ON micropay_payment_intents TO {DIRECTORY}")
    op.execute(
        f"CREATE POLICY micropay_directory_lookup ON micropay_payment_intents FOR SELECT TO {DIRECTORY} USING (true)"
    )
    # ALTER ... OWNER needs the new owner to have CREATE on the schema; it keeps it only for that moment.
    op.execute(f"GRANT CREATE ON SCHEMA {schema} TO {DIRECTORY}")
    op.execute(FUNCTION.format(schema=schema))
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP}")
    op.execute(f"ALTER FUNCTION {SIGNATURE} OWNER TO {DIRECTORY}")
    op.execute(f"REVOKE CREATE ON SCHEMA {schema} FROM {DIRECTORY}")


def downgrade() -> None:
    if _is_postgres():
        op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
        op.execute("DROP POLICY IF EXISTS micropay_directory_lookup ON micropay_payment_intents")
        op.execute(f"REVOKE {COLUMNS} ON micropay_payment_intents FROM {DIRECTORY}")
    op.drop_index(INDEX, table_name="micropay_payment_intents")
