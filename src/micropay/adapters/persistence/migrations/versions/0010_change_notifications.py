"""Change notifications (contract §11): on Postgres, every committed intent change ``NOTIFY``s its ids.

A trigger on ``micropay_payment_intents`` (after an insert, or an update that sets ``version``, i.e. a
transition; ``reconciled_at`` bookkeeping does not fire it) calls ``pg_notify('micropay_changes', payload)``
with ``{"merchant_id", "environment", "intent_id"}`` as JSON: ids, never the row. ``NOTIFY`` is
transactional, so listeners hear of exactly the committed changes, at commit, in commit order; a rolled-back
transition announces nothing. Being in the database, it covers every writer (API, loop, CLI).

SQLite has no ``NOTIFY``: there the unit of work publishes in-process after its commit; nothing to migrate.

Revision ID: 0010
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None

INTENTS = "micropay_payment_intents"
FUNCTION = "micropay_notify_intent_change"
TRIGGER = "micropay_intent_changed"
CHANNEL = "micropay_changes"


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _is_postgres():
        return
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
        AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', json_build_object(
                'merchant_id', NEW.merchant_id, 'environment', NEW.environment, 'intent_id', NEW.id)::text);
            RETURN NULL;
        END $$"""
    )
    op.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OF version ON {INTENTS} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )


def downgrade() -> None:
    if not _is_postgres():
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {INTENTS}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
