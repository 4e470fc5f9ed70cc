"""An event's webhook deliveries (and their attempts) are pruned with the event.

Before this, the maintenance loop deleted events after their retention but left their delivery rows, each
with its attempts and response excerpts, for ever: the delivery log grew without bound and listed deliveries
of events that no longer existed. Retention (30 days by default) is far longer than the 3-day retry
schedule, so a delivery pruned with its event has long been settled.

On Postgres ``micropay_prune_events`` is redefined so that the same statement deletes the events and the
deliveries naming them (attempts go by their ``ON DELETE CASCADE``); its owner, ``micropay_directory``, gains
only what that needs: reading an event's ``id``, a delivery's ``event_id``, and deleting deliveries. On SQLite
the adapter runs the two deletes in one transaction; nothing to migrate.

Revision ID: 0013
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None

APP = "micropay_app"
DIRECTORY = "micropay_directory"
EVENTS = "micropay_events"
DELIVERIES = "micropay_webhook_deliveries"
SIGNATURE = "micropay_prune_events(bigint, integer)"
BODY = {
    "with_deliveries": """WITH doomed AS (
              SELECT e.seq FROM {schema}.micropay_events AS e
              WHERE e.created < p_created_before ORDER BY e.seq LIMIT greatest(p_limit, 0)
          ), deleted AS (
              DELETE FROM {schema}.micropay_events AS e USING doomed AS d
              WHERE e.seq = d.seq AND e.created < p_created_before
              RETURNING e.id
          ), deliveries AS (
              DELETE FROM {schema}.micropay_webhook_deliveries AS w USING deleted AS d
              WHERE w.event_id = d.id
              RETURNING 1
          )
          SELECT count(*)::integer FROM deleted""",
    "events_only": """WITH doomed AS (
              SELECT e.seq FROM {schema}.micropay_events AS e
              WHERE e.created < p_created_before ORDER BY e.seq LIMIT greatest(p_limit, 0)
          ), deleted AS (
              DELETE FROM {schema}.micropay_events AS e USING doomed AS d
              WHERE e.seq = d.seq AND e.created < p_created_before
              RETURNING 1
          )
          SELECT count(*)::integer FROM deleted""",
}


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    return str(name)


def _replace_function(body: str) -> None:
    schema = _schema()
    # CREATE OR REPLACE keeps the owner (micropay_directory), the grants and the revoke from PUBLIC.
    op.execute(
        f"""CREATE OR REPLACE FUNCTION micropay_prune_events(p_created_before bigint, p_limit integer)
        RETURNS integer
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ {body.format(schema=schema)} $$"""
    )


def upgrade() -> None:
    if not _is_postgres():
        return
    op.execute(f"GRANT SELECT (id) ON {EVENTS} TO {DIRECTORY}")
    op.execute(f"GRANT SELECT (event_id), DELETE ON {DELIVERIES} TO {DIRECTORY}")
    op.execute(f"CREATE POLICY micropay_directory_prune ON {DELIVERIES} FOR DELETE TO {DIRECTORY} USING (true)")
    _replace_function(BODY["with_deliveries"])


def downgrade() -> None:
    if not _is_postgres():
        return
    _replace_function(BODY["events_only"])
    op.execute(f"DROP POLICY IF EXISTS micropay_directory_prune ON {DELIVERIES}")
    op.execute(f"REVOKE SELECT (event_id), DELETE ON {DELIVERIES} FROM {DIRECTORY}")  # noqa: S608 (constants)
    op.execute(f"REVOKE SELECT (id) ON {EVENTS} FROM {DIRECTORY}")  # noqa: S608 (constants)
