"""Events of one tenant commit in the order of their ``seq``, so a reader resuming after ``seq`` misses none.

``seq`` is an identity, drawn when the row is inserted, not when its transaction commits: without more, two
transitions of one merchant could draw 10 and 11 and commit 11 first, and an event stream that had read up
to 11 would never see 10 (contract §11: "resume ... with nothing missed"; §8: "in the order the changes
committed"). So on Postgres the first event a transaction writes takes a transaction-scoped advisory lock on
its tenant *before* its ``seq`` is drawn, held until commit or rollback: a tenant's event-writing
transactions commit one after another, in ``seq`` order. The lock covers only the tail of a transaction
(the event insert comes right after the intent write, ADR 0008), and other tenants never wait for it.
SQLite needs nothing: it has one writer at a time.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.domain.model.environment import Tenant

# The two-key form keeps this lock space apart from any single-key advisory lock elsewhere.
_LOCK: Final = text("SELECT pg_advisory_xact_lock(hashtext('micropay_events'), hashtext(:tenant))")


async def lock_event_order(connection: AsyncConnection, tenant: Tenant) -> None:
    """Wait until no other transaction of ``tenant`` holds uncommitted events (no-op on SQLite)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(_LOCK, {"tenant": f"{tenant.merchant_id}:{tenant.environment.value}"})
