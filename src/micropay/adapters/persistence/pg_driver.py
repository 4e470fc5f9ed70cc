"""The Postgres hot path: a unit of work's transaction and its hottest statements sent straight on asyncpg.

Profiled under ``make bench`` (docs/benchmarks.md), SQLAlchemy Core's per-statement work (compile-cache
lookup, execution context, parameter and result processing, the greenlet bridge) cost about 3x what asyncpg
itself spent. So on Postgres a unit of work keeps its SQLAlchemy connection (every other statement still
goes through Core, unchanged) but:

- the transaction is the driver's: ``BEGIN`` and the tenant's ``set_config`` pair in one round trip (one
  simple-protocol message; the tenant ids are checked to be plain identifiers first, else two messages
  with parameters), ``COMMIT``/``ROLLBACK`` and savepoints on the asyncpg connection. The SQLAlchemy
  connection is in ``AUTOCOMMIT`` mode so that it never opens a transaction of its own: its statements run
  inside this one;
- the statements of a payment's lifecycle (intents, attempts, events, endpoints, deliveries, credentials)
  are prepared asyncpg statements with positional parameters, their SQL built here from the same
  ``Table`` objects, their rows read by the same ``*_to_domain`` functions (asyncpg records map by name).

JSON columns: SQLAlchemy's asyncpg dialect registers codecs on each connection that take JSON *text* and
decode with the engine's ``json_deserializer`` (msgspec, engine.py); ``json_text`` writes that text with
msgspec, ``None`` as JSON ``null`` (what Core's ``JSON`` type writes for ``None``). Failures are translated as
``storage_errors`` does: an integrity violation stays an ``IntegrityError``, any other driver failure is
``StorageUnavailable``.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import asyncpg
import msgspec
from sqlalchemy import JSON, Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from micropay.adapters.persistence.tenant_scope import ENVIRONMENT_SETTING, MERCHANT_SETTING
from micropay.domain.model.environment import Tenant
from micropay.ports.errors import StorageUnavailable

_encode = msgspec.json.Encoder().encode
_PLAIN: Final = re.compile(r"[A-Za-z0-9_]{1,64}")
_BEGIN_WITH_TENANT: Final = (
    "BEGIN ISOLATION LEVEL READ COMMITTED;"
    f" SELECT set_config('{MERCHANT_SETTING}', '{{merchant}}', true),"
    f" set_config('{ENVIRONMENT_SETTING}', '{{environment}}', true)"
)
_SET_TENANT: Final = f"SELECT set_config('{MERCHANT_SETTING}', $1, true), set_config('{ENVIRONMENT_SETTING}', $2, true)"
SAVEPOINT: Final = "micropay_savepoint"


def json_text(value: Any) -> str:
    return _encode(value).decode()


def json_columns(table: Table) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if isinstance(c.type, JSON))


def select_sql(table: Table, where: Sequence[str], suffix: str = "") -> str:
    """``SELECT <every column> FROM table WHERE a = $1 AND b = $2 …`` (+ ``suffix``)."""
    columns = ", ".join(c.name for c in table.columns)
    conditions = " AND ".join(f"{name} = ${i}" for i, name in enumerate(where, 1))
    return f"SELECT {columns} FROM {table.name} WHERE {conditions}{suffix}"  # noqa: S608 - names from the Table


def insert_sql(table: Table, columns: Sequence[str]) -> str:
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    names = ", ".join(columns)
    return f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})"  # noqa: S608 - names from the Table


def row_values(values: dict[str, Any], columns: Sequence[str], json: frozenset[str]) -> list[Any]:
    """``values`` (a ``*_from_domain`` dict) in ``columns`` order, JSON columns as text."""
    return [json_text(values[name]) if name in json else values[name] for name in columns]


class PgDriver:
    """The asyncpg connection under one unit of work's SQLAlchemy connection.

    ``of(connection, own_transaction=True)`` also tells SQLAlchemy's asyncpg adapter that the connection is
    in autocommit mode until ``release()``, so that SQLAlchemy never begins a transaction of its own on it
    (its statements run inside the driver's). That is the adapter's ``isolation_level`` attribute, set
    directly: the public way, an ``AUTOCOMMIT`` execution option, costs a greenlet round trip at every
    check-out and check-in (4-5% of the server's CPU in the profile). If the adapter has no such attribute
    (another SQLAlchemy version), ``autocommit(engine)`` is the fallback the caller uses.
    """

    __slots__ = ("_adapter", "broken", "raw")

    def __init__(self, raw: asyncpg.Connection, adapter: Any = None) -> None:
        self.raw = raw
        self._adapter = adapter
        #: a failure that says the connection itself is gone (not a statement's error): never reuse it, and
        #: treat the pool's other connections as suspect too (what SQLAlchemy does on a disconnect)
        self.broken = False

    @classmethod
    def of(cls, connection: AsyncConnection, *, own_transaction: bool = False) -> PgDriver:
        fairy = connection.sync_connection.connection  # type: ignore[union-attr]
        adapter: Any = fairy.dbapi_connection
        driver = cls(fairy.driver_connection, adapter if own_transaction else None)
        if own_transaction:
            adapter.isolation_level = "autocommit"
        return driver

    def release(self) -> None:
        """Hand the connection back to SQLAlchemy as it was (its own isolation level)."""
        adapter, self._adapter = self._adapter, None
        if adapter is not None:
            adapter.isolation_level = adapter._isolation_setting

    async def begin(self, tenant: Tenant) -> None:
        merchant, environment = tenant.merchant_id, tenant.environment.value
        with self._errors("start a transaction"):
            if _PLAIN.fullmatch(merchant) and _PLAIN.fullmatch(environment):
                await self.raw.execute(_BEGIN_WITH_TENANT.format(merchant=merchant, environment=environment))
            else:  # not an id we issue: bind it as a parameter (two round trips)
                await self.raw.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                await self.raw.execute(_SET_TENANT, merchant, environment)

    async def execute(self, action: str, sql: str, *args: Any) -> str:
        with self._errors(action):
            status: str = await self.raw.execute(sql, *args)
            return status

    async def executemany(self, action: str, sql: str, args: Sequence[Sequence[Any]]) -> None:
        with self._errors(action):
            await self.raw.executemany(sql, args)

    async def fetchrow(self, action: str, sql: str, *args: Any) -> asyncpg.Record | None:
        with self._errors(action):
            row: asyncpg.Record | None = await self.raw.fetchrow(sql, *args)
            return row

    async def fetch(self, action: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        with self._errors(action):
            rows: list[asyncpg.Record] = await self.raw.fetch(sql, *args)
            return rows

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(action, None, exc) from exc
        except _STATEMENT_FAILURES as exc:
            if not isinstance(exc, asyncpg.PostgresError) or isinstance(exc, _DISCONNECTS) or self.raw.is_closed():
                self.broken = True
            raise StorageUnavailable(f"The database failed while trying to {action} ({type(exc).__name__}).") from exc


_STATEMENT_FAILURES: Final = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)
#: Server errors that end the session (a restart, pg_terminate_backend, a crash).
_DISCONNECTS: Final = (
    asyncpg.PostgresConnectionError,  # class 08, and asyncpg's ConnectionDoesNotExistError (a dead socket)
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
)


def rows_affected(status: str) -> int:
    """The row count of an ``UPDATE n`` / ``DELETE n`` / ``INSERT 0 n`` command status."""
    return int(status.rsplit(" ", 1)[-1])


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` (same pool) whose connections never begin a transaction themselves: the driver's
    ``BEGIN`` (a unit of work) or none at all (a lookup) is the only one."""
    found = _AUTOCOMMIT_ENGINES.get(engine)
    if found is None:
        found = _AUTOCOMMIT_ENGINES[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


_AUTOCOMMIT_ENGINES: weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine] = weakref.WeakKeyDictionary()


def adapter_supported() -> bool:
    """Whether SQLAlchemy's asyncpg adapter has the attributes ``PgDriver.of`` sets (it reads
    ``isolation_level == "autocommit"`` before beginning a transaction, and keeps its own setting apart)."""
    try:
        from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    slots = getattr(AsyncAdapt_asyncpg_connection, "__slots__", ())
    return "isolation_level" in slots and "_isolation_setting" in slots


def suspect_pool(connection: AsyncConnection) -> None:
    """After a disconnect seen on the driver: what SQLAlchemy does when it sees one itself, every connection the
    pool opened until now is invalidated at its next check-out (a restarted database killed them all)."""
    sync = connection.sync_connection
    if sync is not None:
        sync.engine.pool._invalidate(sync.connection, _checkin=False)
