"""A variant of the fake unit of work for the use-case tests (kept apart from ``unit_of_work.py``).

- ``interleaving=True``: the plain fakes never suspend, so ``asyncio.gather`` of two use cases would run
  them one after the other. This unit of work yields to the event loop when it begins, before each commit
  and before each intent read, so that two transactions read the same version and race at commit exactly
  as two database sessions would.
- ``before_next_commit``: a one-shot hook to let another transaction commit between a read and a write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import PaymentIntent
from micropay.ports.intent_repository import IntentPage, IntentPageQuery, IntentRepository
from micropay.ports.unit_of_work import UnitOfWorkFactory
from tests.fakes.database import InMemoryDatabase
from tests.fakes.unit_of_work import FakeUnitOfWork


class _YieldingIntents:
    """The fake intent repository, with a suspension point before every read."""

    def __init__(self, inner: IntentRepository) -> None:
        self._inner = inner

    async def get(self, intent_id: str) -> PaymentIntent | None:
        await asyncio.sleep(0)
        return await self._inner.get(intent_id)

    async def add(self, intent: PaymentIntent) -> None:
        await self._inner.add(intent)

    async def save(self, intent: PaymentIntent) -> None:
        await self._inner.save(intent)

    async def mark_reconciled(self, intent_id: str, at: int) -> None:
        await self._inner.mark_reconciled(intent_id, at)

    async def claim_reconcile(self, intent_id: str, *, active_before: int, at: int) -> bool:
        return await self._inner.claim_reconcile(intent_id, active_before=active_before, at=at)

    async def list_page(self, query: IntentPageQuery) -> IntentPage:
        return await self._inner.list_page(query)


class ExtraUnitOfWork(FakeUnitOfWork):
    def __init__(self, factory: ExtraUnitOfWorkFactory, tenant: Tenant, *, interleaving: bool) -> None:
        super().__init__(factory.db, tenant)
        self._factory = factory
        self._interleaving = interleaving
        if interleaving:
            self.intents = _YieldingIntents(self.intents)

    async def __aenter__(self) -> Self:
        if self._interleaving:
            await asyncio.sleep(0)
        return await super().__aenter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await super().__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        if self._interleaving:
            await asyncio.sleep(0)
        hook, self._factory.before_next_commit = self._factory.before_next_commit, None
        if hook is not None:
            await hook()
        await super().commit()


class ExtraUnitOfWorkFactory:
    """``before_next_commit``: a one-shot coroutine run just before the next commit of any of its units of
    work, to let another transaction commit in between a read and the write that depends on it."""

    def __init__(self, db: InMemoryDatabase, *, interleaving: bool = False) -> None:
        self.db = db
        self.interleaving = interleaving
        self.before_next_commit: Callable[[], Awaitable[None]] | None = None

    def __call__(self, tenant: Tenant) -> ExtraUnitOfWork:
        return ExtraUnitOfWork(self, tenant, interleaving=self.interleaving)


_: UnitOfWorkFactory = ExtraUnitOfWorkFactory(InMemoryDatabase())
