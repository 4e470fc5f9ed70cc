"""SQL persistence (Postgres via asyncpg, SQLite via aiosqlite): repositories, unit of work, tenant directory,
idempotency store, the engine factory and the migrations.

Typical wiring::

    engine = create_engine(settings.database_url)
    uow_factory, tenant_directory, idempotency_store = build_persistence(engine)
    ...
    await engine.dispose()
"""

from typing import TYPE_CHECKING, Any

from micropay.adapters.persistence.bundle import Persistence, build_persistence
from micropay.adapters.persistence.engine import DEFAULT_DATABASE_URL, create_engine, ping
from micropay.adapters.persistence.idempotency_store import SqlaIdempotencyStore
from micropay.adapters.persistence.tenant_directory import SqlaTenantDirectory
from micropay.adapters.persistence.unit_of_work import SqlaUnitOfWork, SqlaUnitOfWorkFactory

if TYPE_CHECKING:
    from micropay.adapters.persistence.migrate import downgrade, downgrade_async, upgrade, upgrade_async

_MIGRATE = frozenset({"downgrade", "downgrade_async", "upgrade", "upgrade_async"})


def __getattr__(name: str) -> Any:
    """The migration functions load alembic on first use only: ``micropay serve`` never needs it."""
    if name in _MIGRATE:
        from micropay.adapters.persistence import migrate

        return getattr(migrate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_DATABASE_URL",
    "Persistence",
    "SqlaIdempotencyStore",
    "SqlaTenantDirectory",
    "SqlaUnitOfWork",
    "SqlaUnitOfWorkFactory",
    "build_persistence",
    "create_engine",
    "downgrade",
    "downgrade_async",
    "ping",
    "upgrade",
    "upgrade_async",
]
