"""Pruning old events, and their webhook deliveries with them, across tenants: on Postgres through the
SECURITY DEFINER function of migrations 0007 and 0013 (the service's role sees one tenant at a time), on
SQLite two plain DELETEs. Each call is one short transaction; a delivery's attempts go by ``ON DELETE
CASCADE``."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.engine import is_postgres
from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.rows import EVENTS
from micropay.adapters.persistence.webhook_rows import WEBHOOK_DELIVERIES
from micropay.ports.event_pruner import EventPruner

_C = EVENTS.c
_PG_PRUNE: Final = text("SELECT micropay_prune_events(:created_before, :limit) AS deleted")
_OLD: Final = _C.created < bindparam("created_before")
_DOOMED: Final = select(_C.seq).where(_OLD).order_by(_C.seq).limit(bindparam("limit"))
_LITE_PRUNE_DELIVERIES: Final = delete(WEBHOOK_DELIVERIES).where(
    WEBHOOK_DELIVERIES.c.event_id.in_(select(_C.id).where(_C.seq.in_(_DOOMED)))
)
_LITE_PRUNE: Final = delete(EVENTS).where(_OLD, _C.seq.in_(_DOOMED))


class SqlaEventPruner(EventPruner):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = is_postgres(engine)

    async def prune(self, *, created_before: int, limit: int) -> int:
        if limit <= 0:
            return 0
        bounds = {"created_before": created_before, "limit": limit}
        with storage_errors("prune events"):
            async with self._engine.connect() as connection, connection.begin():
                if self._postgres:
                    return int((await connection.execute(_PG_PRUNE, bounds)).scalar_one())
                await connection.execute(_LITE_PRUNE_DELIVERIES, bounds)
                return (await connection.execute(_LITE_PRUNE, bounds)).rowcount
