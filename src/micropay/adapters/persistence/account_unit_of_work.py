"""One transaction over one merchant's users and sessions, on one pooled connection."""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.session_repository import SqlaSessionRepository
from micropay.adapters.persistence.tenant_scope import set_tenant
from micropay.adapters.persistence.user_repository import SqlaUserRepository
from micropay.domain.model.environment import Environment, Tenant
from micropay.ports.account_unit_of_work import AccountUnitOfWork, AccountUnitOfWorkFactory


class SqlaAccountUnitOfWork(AccountUnitOfWork):
    """Like ``SqlaUnitOfWork``: connect, begin, set the tenant (the account policies read only its merchant)."""

    users: SqlaUserRepository
    sessions: SqlaSessionRepository

    def __init__(self, engine: AsyncEngine, merchant_id: str) -> None:
        self.merchant_id = merchant_id
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("A unit of work can be entered only once.")
        with storage_errors("start a transaction"):
            connection = await self._engine.connect()
            try:
                await connection.begin()
                # users have no environment; the policies of their tables look at the merchant only
                await set_tenant(connection, Tenant(merchant_id=self.merchant_id, environment=Environment.SANDBOX))
            except BaseException:
                with contextlib.suppress(Exception):
                    await connection.close()
                raise
        self._connection = connection
        self.users = SqlaUserRepository(connection, self.merchant_id)
        self.sessions = SqlaSessionRepository(connection, self.merchant_id)
        return self

    async def commit(self) -> None:
        with storage_errors("commit"):
            await self._require().commit()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection = self._require()
        if exc is not None:
            with contextlib.suppress(Exception):
                await connection.close()
            return
        with storage_errors("roll back"):
            await connection.close()

    def _require(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("Use the unit of work inside `async with`.")
        return self._connection


class SqlaAccountUnitOfWorkFactory(AccountUnitOfWorkFactory):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def __call__(self, merchant_id: str) -> SqlaAccountUnitOfWork:
        return SqlaAccountUnitOfWork(self._engine, merchant_id)
