"""Events (``micropay_events``) with their pruning function; idempotency keys bound to what they created.

Idempotency records get ``object_id`` and ``sealed_secret`` (nullable): the object a key's request created or
pushed for, written in that object's own transaction, so that a retry after a crash resumes it instead of
creating a second intent or sending a second push (the table keeps its row-level security of 0002).

One row per Event (docs/api.md "Events"), written in the transaction that changes its intent. ``seq`` (an
identity) is the order the events were written in; ``id`` is the public ``evt_`` id. On Postgres the table
gets the same tenant policy as the other tenant tables (migration 0002, ADR 0003): ``micropay_app`` may
SELECT and INSERT (events are never updated by the core); and ``micropay_prune_events`` deletes, across tenants, at
most ``p_limit`` events created before a cutoff, oldest first, returning the count. Like 0004's function it is
SECURITY DEFINER, owned by ``micropay_directory``, executable by ``micropay_app`` only, and its owner may read
only the columns the deletion needs.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APP = "micropay_app"
DIRECTORY = "micropay_directory"
TABLE = "micropay_events"
IDEMPOTENCY = "micropay_idempotency_keys"
ID = sa.String(64)
ENV = sa.String(16)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TENANT = (
    "merchant_id = current_setting('micropay.merchant_id', true)"
    " AND environment = current_setting('micropay.environment', true)"
)
DIRECTORY_PRIVILEGES = "SELECT (seq, created), DELETE"
SIGNATURE = "micropay_prune_events(bigint, integer)"
FUNCTION = """
    CREATE FUNCTION micropay_prune_events(p_created_before bigint, p_limit integer)
    RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
    AS $$ WITH doomed AS (
              SELECT e.seq FROM {schema}.micropay_events AS e
              WHERE e.created < p_created_before ORDER BY e.seq LIMIT greatest(p_limit, 0)
          ), deleted AS (
              DELETE FROM {schema}.micropay_events AS e USING doomed AS d
              WHERE e.seq = d.seq AND e.created < p_created_before
              RETURNING 1
          )
          SELECT count(*)::integer FROM deleted $$"""


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    return str(name)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.Identity(), primary_key=True),
        sa.Column("id", ID, nullable=False, unique=True),
        sa.Column("merchant_id", ID, sa.ForeignKey("micropay_merchants.id"), nullable=False),
        sa.Column("environment", ENV, nullable=False),
        sa.Column("intent_id", ID, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("api_version", sa.Text, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("request", JSON),
        sa.Column("pending_webhooks", sa.Integer, nullable=False),
    )
    op.create_index("ix_micropay_events_list", TABLE, ["merchant_id", "environment", "seq"])
    op.create_index("ix_micropay_events_intent", TABLE, ["merchant_id", "environment", "intent_id", "seq"])
    op.create_index("ix_micropay_events_created", TABLE, ["created"])
    op.add_column(IDEMPOTENCY, sa.Column("object_id", ID, nullable=True))
    op.add_column(IDEMPOTENCY, sa.Column("sealed_secret", sa.LargeBinary, nullable=True))
    if not _is_postgres():
        return
    schema = _schema()
    op.execute(f"GRANT SELECT, INSERT ON {TABLE} TO {APP}")
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY micropay_tenant ON {TABLE} USING ({TENANT}) WITH CHECK ({TENANT})")
    op.execute(f"GRANT {DIRECTORY_PRIVILEGES} ON {TABLE} TO {DIRECTORY}")
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
        op.execute(f"REVOKE ALL ON {TABLE} FROM {APP}, {DIRECTORY}")
    op.drop_table(TABLE)  # its policies and indexes go with it
    with op.batch_alter_table(IDEMPOTENCY) as batch:  # SQLite drops columns by copying the table
        batch.drop_column("sealed_secret")
        batch.drop_column("object_id")
