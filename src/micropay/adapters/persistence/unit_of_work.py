"""One transaction for one tenant, on one pooled connection."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from micropay.adapters.persistence.api_key_repository import SqlaApiKeyRepository
from micropay.adapters.persistence.attempt_repository import SqlaAttemptRepository
from micropay.adapters.persistence.credential_repository import SqlaCredentialRepository
from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.event_repository import SqlaEventRepository
from micropay.adapters.persistence.idempotency_bindings import SqlaIdempotencyBindings
from micropay.adapters.persistence.intent_repository import SqlaIntentRepository
from micropay.adapters.persistence.merchant_repository import SqlaMerchantRepository
from micropay.adapters.persistence.pg_driver import SAVEPOINT, PgDriver, adapter_supported, autocommit, suspect_pool
from micropay.adapters.persistence.tenant_scope import set_tenant
from micropay.adapters.persistence.webhook_delivery_repository import SqlaWebhookDeliveryRepository
from micropay.adapters.persistence.webhook_endpoint_repository import SqlaWebhookEndpointRepository
from micropay.domain.model.environment import Tenant
from micropay.ports.change_feed import Change
from micropay.ports.errors import StorageUnavailable
from micropay.ports.unit_of_work import UnitOfWorkFactory
from micropay.ports.webhook_unit_of_work import WebhookUnitOfWork

#: Called with what a unit of work committed (each intent whose version moved, each event written, as ids),
#: right after the commit succeeded, never on rollback: the change feed's ``publish``.
AfterCommit = Callable[[Sequence[Change]], None]


class SqlaUnitOfWork(WebhookUnitOfWork):
    """Entering checks out a connection, begins and (on Postgres) sets the tenant: one round trip on Postgres
    (``BEGIN`` and the tenant in one message, on the driver: pg_driver.py), none until the first statement on
    SQLite.

    ``commit()`` commits; leaving without it rolls back. Either way the connection goes back to the pool.
    The repositories exist only inside the ``async with`` block. After a successful commit, ``after_commit``
    (if any) hears what the transaction changed: the in-process publication point (SQLite has no NOTIFY).
    """

    intents: SqlaIntentRepository
    attempts: SqlaAttemptRepository
    events: SqlaEventRepository
    idempotency: SqlaIdempotencyBindings
    credentials: SqlaCredentialRepository
    api_keys: SqlaApiKeyRepository
    merchants: SqlaMerchantRepository
    webhook_endpoints: SqlaWebhookEndpointRepository
    webhook_deliveries: SqlaWebhookDeliveryRepository
    delivery_recovery: SqlaWebhookDeliveryRepository

    def __init__(self, engine: AsyncEngine, tenant: Tenant, after_commit: AfterCommit | None = None) -> None:
        self.tenant = tenant
        self._engine = engine
        self._after_commit = after_commit
        self._connection: AsyncConnection | None = None
        self._driver: PgDriver | None = None

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("A unit of work can be entered only once.")
        postgres = self._engine.dialect.name == "postgresql"
        driver: PgDriver | None = None
        with storage_errors("start a transaction"):
            # Postgres: the transaction is the driver's (pg_driver.py), one round trip with the tenant;
            # the SQLAlchemy connection never begins one of its own (AUTOCOMMIT), its statements run in it.
            connection = await (autocommit(self._engine) if postgres and not _ADAPTER_OK else self._engine).connect()
            try:
                if postgres:
                    driver = PgDriver.of(connection, own_transaction=_ADAPTER_OK)
                    await driver.begin(self.tenant)
                else:
                    await connection.begin()
                    await set_tenant(connection, self.tenant)
            except BaseException:
                await _close_quietly(connection, driver)
                raise
        self._connection = connection
        self._driver = driver
        self.intents = SqlaIntentRepository(connection, self.tenant, driver)
        self.attempts = SqlaAttemptRepository(connection, self.tenant, driver)
        self.events = SqlaEventRepository(connection, self.tenant, driver)
        self.idempotency = SqlaIdempotencyBindings(connection, self.tenant)
        self.credentials = SqlaCredentialRepository(connection, self.tenant, driver)
        self.api_keys = SqlaApiKeyRepository(connection, self.tenant)
        self.merchants = SqlaMerchantRepository(connection, self.tenant)
        self.webhook_endpoints = SqlaWebhookEndpointRepository(connection, self.tenant, driver)
        self.webhook_deliveries = SqlaWebhookDeliveryRepository(connection, self.tenant, driver)
        self.delivery_recovery = self.webhook_deliveries
        return self

    async def commit(self) -> None:
        connection = self._require_connection()
        if self._driver is not None:
            await self._driver.execute("commit", "COMMIT")
        else:
            with storage_errors("commit"):
                await connection.commit()
        intents, self.intents.changed = self.intents.changed, []
        events, self.events.added = self.events.added, []
        if self._after_commit is not None and (intents or events):
            changes = [Change(tenant=self.tenant, intent_id=intent_id) for intent_id in dict.fromkeys(intents)]
            changes += [Change(tenant=self.tenant, intent_id=e.intent_id, event_id=e.id) for e in events]
            self._after_commit(changes)

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """``SAVEPOINT`` … ``RELEASE``; on an exception ``ROLLBACK TO SAVEPOINT`` (its locks are released too),
        and what it wrote is not announced after commit."""
        connection = self._require_connection()
        intents, events, locked = len(self.intents.changed), len(self.events.added), self.events.order_locked
        driver = self._driver
        nested = None
        if driver is not None:
            await driver.execute("open a savepoint", f"SAVEPOINT {SAVEPOINT}")
        else:
            with storage_errors("open a savepoint"):
                nested = await connection.begin_nested()
        try:
            yield
        except BaseException:
            del self.intents.changed[intents:], self.events.added[events:]
            self.events.order_locked = locked
            if driver is not None:
                await driver.execute("roll back to a savepoint", f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
            elif nested is not None:
                with storage_errors("roll back to a savepoint"):
                    await nested.rollback()
            raise
        if driver is not None:
            await driver.execute("release a savepoint", f"RELEASE SAVEPOINT {SAVEPOINT}")
        elif nested is not None:
            with storage_errors("release a savepoint"):
                await nested.commit()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection = self._require_connection()
        if exc is not None:
            # The original failure matters more than a failed rollback on what may be a dead connection.
            await _close_quietly(connection, self._driver)
            return
        if self._driver is not None and not await _ended(self._driver):
            await _close_quietly(connection, self._driver, invalidate=True)
            raise StorageUnavailable("The database failed while trying to roll back.")
        with storage_errors("roll back"):
            await connection.close()  # rolls back whatever was not committed (SQLite; nothing left on Postgres)

    def _require_connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("Use the unit of work inside `async with`.")
        return self._connection


async def _close_quietly(
    connection: AsyncConnection, driver: PgDriver | None = None, *, invalidate: bool = False
) -> None:
    """Closing after a failure: the first error is the one to report. A connection whose driver transaction
    could not be ended is invalidated (closed for good): a pooled connection never carries an open one."""
    if driver is not None and not await _ended(driver):
        invalidate = True
    with contextlib.suppress(Exception):
        if driver is not None and driver.broken:
            # As SQLAlchemy does on a disconnect: every connection the pool made before now is suspect.
            suspect_pool(connection)
        if invalidate:
            await connection.invalidate()
        await connection.close()


async def _ended(driver: PgDriver) -> bool:
    """Roll back the driver's transaction if it is still open (not committed, or its COMMIT was interrupted);
    False when that failed or the connection is busy or broken (then it must not go back to the pool)."""
    try:
        if driver.broken or driver.raw.is_closed():
            return False
        if driver.raw.is_in_transaction():
            await driver.raw.execute("ROLLBACK")
    except BaseException:
        return False
    finally:
        driver.release()  # SQLAlchemy's adapter back to its own isolation level before the pool sees it
    return not driver.raw.is_in_transaction()


#: SQLAlchemy's asyncpg adapter can be told directly that the driver owns the transaction (PgDriver.of).
_ADAPTER_OK: bool = adapter_supported()


class SqlaUnitOfWorkFactory(UnitOfWorkFactory):
    """The ``UnitOfWorkFactory`` port: ``factory(tenant)`` gives a new, not yet started unit of work."""

    def __init__(self, engine: AsyncEngine, after_commit: AfterCommit | None = None) -> None:
        self._engine = engine
        self._after_commit = after_commit

    def __call__(self, tenant: Tenant) -> SqlaUnitOfWork:
        return SqlaUnitOfWork(self._engine, tenant, self._after_commit)
