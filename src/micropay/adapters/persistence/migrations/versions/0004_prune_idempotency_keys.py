"""Pruning expired idempotency records: an index on created_at and, on Postgres, its function.

``micropay_prune_idempotency_keys`` deletes at most ``p_limit`` idempotency records created before a cutoff,
across tenants, oldest first, and returns how many it deleted. Like the other directory functions (migration
0002, ADR 0003) it is SECURITY DEFINER, owned by ``micropay_directory``, executable by ``micropay_app`` only.
``micropay_directory`` may read just the four columns the deletion needs (never a stored response) and
delete rows; it returns a count, nothing else. The cutoff is the caller's (the domain's retention rule).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP = "micropay_app"
DIRECTORY = "micropay_directory"
TABLE = "micropay_idempotency_keys"
INDEX = "ix_micropay_idempotency_keys_created_at"
PRIVILEGES = "SELECT (merchant_id, environment, key, created_at), DELETE"
SIGNATURE = "micropay_prune_idempotency_keys(double precision, integer)"
# The DELETE re-checks the cutoff: a record taken over meanwhile (a fresh created_at) is kept.
FUNCTION = """
    CREATE FUNCTION micropay_prune_idempotency_keys(p_created_before double precision, p_limit integer)
    RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
    AS $$ WITH doomed AS (
              SELECT k.merchant_id, k.environment, k.key FROM {schema}.micropay_idempotency_keys AS k
              WHERE k.created_at < p_created_before
              ORDER BY k.created_at LIMIT greatest(p_limit, 0)
          ), deleted AS (
              DELETE FROM {schema}.micropay_idempotency_keys AS k USING doomed AS d
              WHERE k.merchant_id = d.merchant_id AND k.environment = d.environment AND k.key = d.key
                AND k.created_at < p_created_before
              RETURNING 1
          )
          SELECT count(*)::integer FROM deleted $$"""


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    return str(name)


def upgrade() -> None:
    op.create_index(INDEX, TABLE, ["created_at"])
    if not _is_postgres():
        return
    schema = _schema()
    op.execute(f"GRANT {PRIVILEGES} ON {TABLE} TO {DIRECTORY}")
    op.execute(f"CREATE POLICY micropay_directory_lookup ON {TABLE} FOR SELECT TO {DIRECTORY} USING (true)")
    op.execute(f"CREATE POLICY micropay_directory_prune ON {TABLE} FOR DELETE TO {DIRECTORY} USING (true)")
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
        op.execute(f"DROP POLICY IF EXISTS micropay_directory_prune ON {TABLE}")
        op.execute(f"DROP POLICY IF EXISTS micropay_directory_lookup ON {TABLE}")
        op.execute(f"REVOKE {PRIVILEGES} ON {TABLE} FROM {DIRECTORY}")
    op.drop_index(INDEX, table_name=TABLE)
