"""What the composition root needs from persistence, built from one engine."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.event_pruner import SqlaEventPruner
from micropay.adapters.persistence.idempotency_store import SqlaIdempotencyStore
from micropay.adapters.persistence.tenant_directory import SqlaTenantDirectory
from micropay.adapters.persistence.unit_of_work import AfterCommit, SqlaUnitOfWorkFactory
from micropay.adapters.persistence.unroutable import DEFAULT_BUDGET_PER_MINUTE


class Persistence(NamedTuple):
    uow_factory: SqlaUnitOfWorkFactory
    tenant_directory: SqlaTenantDirectory
    idempotency_store: SqlaIdempotencyStore
    event_pruner: SqlaEventPruner


def build_persistence(
    engine: AsyncEngine, after_commit: AfterCommit | None = None, *, unroutable_budget: int = DEFAULT_BUDGET_PER_MINUTE
) -> Persistence:
    """Stateless adapters over ``engine``; build once per process (the engine owns the pool).

    ``after_commit`` hears the ids each committed unit of work changed (the change feed's ``publish``);
    ``unroutable_budget``: unroutable callbacks stored per rolling minute, across every process.
    """
    return Persistence(
        uow_factory=SqlaUnitOfWorkFactory(engine, after_commit),
        tenant_directory=SqlaTenantDirectory(engine, unroutable_budget=unroutable_budget),
        idempotency_store=SqlaIdempotencyStore(engine),
        event_pruner=SqlaEventPruner(engine),
    )
