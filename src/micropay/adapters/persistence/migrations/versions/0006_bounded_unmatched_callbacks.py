"""Bound what anyone can store through ``POST /webhooks/mpesa/<random>`` (issue 10, defect 5).

- an index on ``micropay_unmatched_callbacks.received_at`` (the budget's count and the pruning use it);
- on Postgres, two SECURITY DEFINER functions owned by ``micropay_directory`` and executable by
  ``micropay_app`` only, like the other directory functions (ADR 0003):
  ``micropay_record_unroutable_callback(text, jsonb, bigint, integer)`` inserts only while fewer than the
  budget's rows were received in the last 60 seconds (across every process), and says whether it stored;
  ``micropay_prune_unroutable_callbacks(bigint, integer)`` deletes at most that many rows received before
  the cutoff, oldest first, and returns how many. For them ``micropay_directory`` may now read ``id`` and
  ``received_at`` and delete rows of this table (policies for SELECT and DELETE to that role only).
  0002's three-argument recording function is left as it was (no longer called).

The table is not a tenant table (only the directory writes it; operators read it as owner), so there is no
tenant policy to add. Works on SQLite too, where the adapter runs the same statements directly.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APP = "micropay_app"
DIRECTORY = "micropay_directory"
TABLE = "micropay_unmatched_callbacks"
INDEX = "ix_micropay_unmatched_callbacks_received_at"
RECORD = "micropay_record_unroutable_callback(text, jsonb, bigint, integer)"
PRUNE = "micropay_prune_unroutable_callbacks(bigint, integer)"
FUNCTIONS = {
    RECORD: """
        CREATE FUNCTION micropay_record_unroutable_callback(
            p_token_hint text, p_body jsonb, p_received_at bigint, p_budget integer)
        RETURNS boolean
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ WITH stored AS (
                  INSERT INTO {schema}.micropay_unmatched_callbacks (token_hint, body, received_at)
                  SELECT left(p_token_hint, 6), p_body, p_received_at
                  WHERE (SELECT count(*) FROM {schema}.micropay_unmatched_callbacks AS u
                         WHERE u.received_at > p_received_at - 60 AND u.received_at <= p_received_at)
                        < greatest(p_budget, 0)
                  RETURNING 1)
              SELECT EXISTS (SELECT 1 FROM stored) $$""",
    PRUNE: """
        CREATE FUNCTION micropay_prune_unroutable_callbacks(p_received_before bigint, p_limit integer)
        RETURNS integer
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ WITH doomed AS (
                  SELECT u.id FROM {schema}.micropay_unmatched_callbacks AS u
                  WHERE u.received_at < p_received_before ORDER BY u.received_at LIMIT greatest(p_limit, 0)),
              deleted AS (
                  DELETE FROM {schema}.micropay_unmatched_callbacks
                  WHERE id IN (SELECT id FROM doomed) RETURNING 1)
              SELECT count(*)::integer FROM deleted $$""",
}


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    return str(name)


def upgrade() -> None:
    op.create_index(INDEX, TABLE, ["received_at"])
    if not _is_postgres():
        return
    schema = _schema()
    op.execute(f"GRANT SELECT (id, received_at), DELETE ON {TABLE} TO {DIRECTORY}")
    op.execute(f"CREATE POLICY micropay_directory_count ON {TABLE} FOR SELECT TO {DIRECTORY} USING (true)")
    op.execute(f"CREATE POLICY micropay_directory_prune ON {TABLE} FOR DELETE TO {DIRECTORY} USING (true)")
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
        op.execute(f"DROP POLICY IF EXISTS micropay_directory_prune ON {TABLE}")
        op.execute(f"DROP POLICY IF EXISTS micropay_directory_count ON {TABLE}")
        op.execute(f"REVOKE SELECT (id, received_at), DELETE ON {TABLE} FROM {DIRECTORY}")  # noqa: S608 - constants
    op.drop_index(INDEX, table_name=TABLE)
