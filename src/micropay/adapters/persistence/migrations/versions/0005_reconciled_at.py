"""Fairness in the automatic reconciliation: ``reconciled_at`` on intents, its index and, on Postgres, the lookup.

An intent Daraja keeps calling pending does not change, so ordering the stuck intents by ``updated`` kept it
at the head of the queue for ever. ``reconciled_at`` (Unix seconds, nullable) remembers when Daraja was last
asked about it; the lookup filters and orders by ``COALESCE(reconciled_at, updated)``, its last activity, and
the index on ``(status, updated, id)`` becomes one on ``(status, COALESCE(reconciled_at, updated), id)``.

On Postgres ``micropay_stuck_intents`` is recreated with the same signature and the same model as migration
0003 (SECURITY DEFINER, owned by ``micropay_directory``, executable by ``micropay_app`` only);
``micropay_directory`` may now also read ``reconciled_at``. The downgrade restores 0003's function.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APP = "micropay_app"
DIRECTORY = "micropay_directory"
TABLE = "micropay_payment_intents"
OLD_INDEX = "ix_micropay_payment_intents_status_updated"
INDEX = "ix_micropay_payment_intents_stuck"
LAST_ACTIVITY = "coalesce(reconciled_at, updated)"
SIGNATURE = "micropay_stuck_intents(bigint, integer)"
FUNCTION = """
    CREATE FUNCTION micropay_stuck_intents(p_updated_before bigint, p_limit integer)
    RETURNS TABLE (merchant_id text, environment text, intent_id text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
    AS $$ SELECT i.merchant_id, i.environment, i.id FROM {schema}.micropay_payment_intents AS i
          WHERE i.status = 'processing' AND coalesce(i.reconciled_at, i.updated) <= p_updated_before
          ORDER BY coalesce(i.reconciled_at, i.updated), i.id LIMIT greatest(p_limit, 0) $$"""
# Migration 0003's function, restored by the downgrade.
FUNCTION_0003 = """
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


def _replace_function(definition: str) -> None:
    """Drop and create the lookup, then give it 0003's ownership and grants."""
    schema = _schema()
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
    # ALTER ... OWNER needs the new owner to have CREATE on the schema; it keeps it only for that moment.
    op.execute(f"GRANT CREATE ON SCHEMA {schema} TO {DIRECTORY}")
    op.execute(definition.format(schema=schema))
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP}")
    op.execute(f"ALTER FUNCTION {SIGNATURE} OWNER TO {DIRECTORY}")
    op.execute(f"REVOKE CREATE ON SCHEMA {schema} FROM {DIRECTORY}")


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("reconciled_at", sa.BigInteger, nullable=True))
    op.drop_index(OLD_INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ["status", sa.text(LAST_ACTIVITY), "id"])
    if not _is_postgres():
        return
    op.execute(f"GRANT SELECT (reconciled_at) ON {TABLE} TO {DIRECTORY}")
    _replace_function(FUNCTION)


def downgrade() -> None:
    if _is_postgres():
        _replace_function(FUNCTION_0003)
        op.execute(f"REVOKE SELECT (reconciled_at) ON {TABLE} FROM {DIRECTORY}")  # noqa: S608 - constants
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(OLD_INDEX, TABLE, ["status", "updated", "id"])
    op.drop_column(TABLE, "reconciled_at")
