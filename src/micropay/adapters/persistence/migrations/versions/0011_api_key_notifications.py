"""API-key change notifications: every committed change to a stored key ``NOTIFY``s its hash.

The per-process cache of API-key lookups (``adapters/persistence/api_key_cache.py``, docs/replicas.md)
drops an entry when it hears this, so a rolled, expired or revoked key stops at once in every process:
- after an ``UPDATE`` or ``DELETE`` of a row of ``micropay_api_keys`` (a roll sets ``expires_at``, an
  operator may set ``revoked_at`` or delete the row; a merchant cannot be deleted while it has keys):
  ``pg_notify('micropay_api_keys', OLD.key_hash)``, and the new hash too should an update change it;
- after a ``TRUNCATE``: ``'*'``, which empties every cache.
The payload is the SHA-256 digest the table already stores (never a key), far below ``NOTIFY``'s limit.
Inserts announce nothing: a new key cannot be in any cache (lookups of unknown hashes are never cached).
``NOTIFY`` is transactional: listeners hear of exactly the committed changes, at commit.

SQLite has no ``NOTIFY`` and the embedded service never caches key lookups: nothing to migrate.

Revision ID: 0011
Revises: 0013 (main landed 0013 on 0009 first; one head)
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0013"
branch_labels = None
depends_on = None

CHANNEL = "micropay_api_keys"
TABLE = "micropay_api_keys"
ROW_FUNCTION = "micropay_notify_api_key_change"
ALL_FUNCTION = "micropay_notify_api_keys_truncated"
ROW_TRIGGER = "micropay_api_key_changed"
ALL_TRIGGER = "micropay_api_keys_truncated"


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _is_postgres():
        return
    op.execute(f"""
    CREATE FUNCTION {ROW_FUNCTION}() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        PERFORM pg_notify('{CHANNEL}', OLD.key_hash);
        IF TG_OP = 'UPDATE' AND NEW.key_hash IS DISTINCT FROM OLD.key_hash THEN
            PERFORM pg_notify('{CHANNEL}', NEW.key_hash);
        END IF;
        RETURN NULL;
    END $$""")
    op.execute(f"""
    CREATE FUNCTION {ALL_FUNCTION}() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        PERFORM pg_notify('{CHANNEL}', '*');
        RETURN NULL;
    END $$""")
    op.execute(
        f"CREATE TRIGGER {ROW_TRIGGER} AFTER UPDATE OR DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {ROW_FUNCTION}()"
    )
    op.execute(
        f"CREATE TRIGGER {ALL_TRIGGER} AFTER TRUNCATE ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION {ALL_FUNCTION}()"
    )


def downgrade() -> None:
    if not _is_postgres():
        return
    op.execute(f"DROP TRIGGER IF EXISTS {ALL_TRIGGER} ON {TABLE}")
    op.execute(f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {TABLE}")
    op.execute(f"DROP FUNCTION IF EXISTS {ALL_FUNCTION}()")
    op.execute(f"DROP FUNCTION IF EXISTS {ROW_FUNCTION}()")
