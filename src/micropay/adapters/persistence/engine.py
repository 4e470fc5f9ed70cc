"""The async engine: Postgres (asyncpg) or SQLite (aiosqlite), picked by the URL."""

from __future__ import annotations

import logging
from typing import Any, Final

import msgspec
from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from micropay.adapters.persistence.errors import storage_errors

APP_ROLE: Final = "micropay_app"
DEFAULT_DATABASE_URL: Final = "sqlite+aiosqlite:///./micropay.db"
CONNECT_TIMEOUT_SECONDS: Final = 5.0
POOL_TIMEOUT_SECONDS: Final = 5.0
SQLITE_BUSY_TIMEOUT_MS: Final = 5000


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


def create_engine(database_url: str, *, pool_size: int = 10, pre_ping: bool = False) -> AsyncEngine:
    """An engine for ``database_url`` (``postgresql+asyncpg://…`` or ``sqlite+aiosqlite:///…``).

    On Postgres every new connection runs ``SET ROLE micropay_app`` before it is used, so row-level security
    holds even when the URL names a superuser. Recovery after a database restart needs no pre-ping: the first
    statement that meets a dead connection invalidates the whole pool (SQLAlchemy's disconnect handling) and
    fails with ``StorageUnavailable``; later units of work get fresh connections. ``pre_ping=True`` trades one
    round trip per checkout for not failing even that one.
    """
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "postgresql":
        return _postgres(url, pool_size, pre_ping)
    if backend == "sqlite":
        return _sqlite(url, pool_size)
    raise ValueError(f"Unsupported database URL scheme {url.drivername!r}: use postgresql+asyncpg or sqlite+aiosqlite.")


_ENCODE = msgspec.json.Encoder().encode
#: JSON columns are read and written with msgspec rather than the stdlib (issue #16: ``json.loads`` of the
#: endpoints' and events' JSONB was a visible share of the webhook variant's profile). Same values both ways.
json_loads = msgspec.json.decode


def json_dumps(value: Any) -> str:
    return _ENCODE(value).decode()


def _postgres(url: URL, pool_size: int, pre_ping: bool) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        pool_recycle=1800,
        pool_pre_ping=pre_ping,
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS, "server_settings": {"application_name": "micropay"}},
        json_serializer=json_dumps,
        json_deserializer=json_loads,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _act_as_app_role(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Outside any transaction, so that it lasts for the session (a rollback must not undo it).
        dbapi_connection.run_async(lambda raw: raw.execute(f"SET ROLE {APP_ROLE}"))

    return engine


def _sqlite(url: URL, pool_size: int) -> AsyncEngine:
    # aiosqlite logs every statement with its parameters at DEBUG (password hashes, key hashes, sealed
    # blobs): never below INFO, whatever level the embedding application sets.
    driver_log = logging.getLogger("aiosqlite")
    if driver_log.level < logging.INFO:  # NOTSET (inherit) counts as below
        driver_log.setLevel(logging.INFO)
    in_memory = url.database in (None, "", ":memory:")
    pool_args: dict[str, Any] = (
        {} if in_memory else {"pool_size": pool_size, "max_overflow": pool_size, "pool_timeout": POOL_TIMEOUT_SECONDS}
    )
    engine = create_async_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        json_serializer=json_dumps,
        json_deserializer=json_loads,
        **pool_args,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    return engine


async def ping(engine: AsyncEngine) -> None:
    """Round-trip to the database; raises ``StorageUnavailable`` when it cannot be reached (for /readyz)."""
    with storage_errors("ping the database"):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
