"""Pruning old events across tenants: on Postgres through migration 0007's SECURITY DEFINER function (the
service's role sees one tenant at a time), on SQLite a plain DELETE. Each call is one short transaction."""

from __future__ import annotations

from typing import Final

from sqlalchemy import Executable, bindparam, delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.engine import is_postgres
from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.rows import EVENTS
from micropay.ports.event_pruner import EventPruner

_C = EVENTS.c
_PG_PRUNE: Final = text("SELECT micropay_prune_events(:created_before, :limit) AS deleted")
_OLD: Final = _C.created < bindparam("created_before")
_LITE_PRUNE: Final = delete(EVENTS).where(
    _OLD, _C.seq.in_(select(_C.seq).where(_OLD).order_by(_C.seq).limit(bindparam("limit")))
)


class SqlaEventPruner(EventPruner):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = is_postgres(engine)

    async def prune(self, *, created_before: int, limit: int) -> int:
        if limit <= 0:
            return 0
        statement: Executable = _PG_PRUNE if self._postgres else _LITE_PRUNE
        with storage_errors("prune events"):
            async with self._engine.connect() as connection, connection.begin():
                result = await connection.execute(statement, {"created_before": created_before, "limit": limit})
                return int(result.scalar_one()) if self._postgres else result.rowcount
