"""Change notifications (contract §11): on Postgres, every committed intent change and event ``NOTIFY``s ids.

Two triggers call ``pg_notify('micropay_changes', payload)`` with a JSON payload of ids, never the row:
- on ``micropay_payment_intents``, after an insert or an update that sets ``version`` (a transition; the
  ``reconciled_at`` bookkeeping does not fire it): ``{"merchant_id", "environment", "intent_id"}``, which
  wakes ``wait`` (a version can move without an event, e.g. Daraja accepting a push);
- on ``micropay_events``, after an insert: the same plus ``"event_id"``, which wakes the event streams
  (an ``amount_mismatch`` event changes no intent).
``NOTIFY`` is transactional: listeners hear of exactly the committed changes, at commit; a rolled-back
transition announces nothing. Being in the database, it covers every writer (API, loop, CLI).

SQLite has no ``NOTIFY``: there the unit of work publishes in-process after its commit; nothing to migrate.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

CHANNEL = "micropay_changes"
INTENTS = "micropay_payment_intents"
EVENTS = "micropay_events"
INTENT_FUNCTION = "micropay_notify_intent_change"
EVENT_FUNCTION = "micropay_notify_event"
INTENT_TRIGGER = "micropay_intent_changed"
EVENT_TRIGGER = "micropay_event_written"
_FUNCTION = """
    CREATE FUNCTION {name}() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        PERFORM pg_notify('{channel}', json_build_object({fields})::text);
        RETURN NULL;
    END $$"""
_TENANT = "'merchant_id', NEW.merchant_id, 'environment', NEW.environment"


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _is_postgres():
        return
    op.execute(_FUNCTION.format(name=INTENT_FUNCTION, channel=CHANNEL, fields=f"{_TENANT}, 'intent_id', NEW.id"))
    op.execute(
        _FUNCTION.format(
            name=EVENT_FUNCTION, channel=CHANNEL, fields=f"{_TENANT}, 'intent_id', NEW.intent_id, 'event_id', NEW.id"
        )
    )
    op.execute(
        f"CREATE TRIGGER {INTENT_TRIGGER} AFTER INSERT OR UPDATE OF version ON {INTENTS} "
        f"FOR EACH ROW EXECUTE FUNCTION {INTENT_FUNCTION}()"
    )
    op.execute(
        f"CREATE TRIGGER {EVENT_TRIGGER} AFTER INSERT ON {EVENTS} FOR EACH ROW EXECUTE FUNCTION {EVENT_FUNCTION}()"
    )


def downgrade() -> None:
    if not _is_postgres():
        return
    op.execute(f"DROP TRIGGER IF EXISTS {EVENT_TRIGGER} ON {EVENTS}")
    op.execute(f"DROP TRIGGER IF EXISTS {INTENT_TRIGGER} ON {INTENTS}")
    op.execute(f"DROP FUNCTION IF EXISTS {EVENT_FUNCTION}()")
    op.execute(f"DROP FUNCTION IF EXISTS {INTENT_FUNCTION}()")
