from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from micropay.ports.session_repository import SessionRepository
from micropay.ports.user_repository import UserRepository


class AccountUnitOfWork(Protocol):
    """One transaction over one merchant's users and sessions (both environments: users have no environment).

    On Postgres row-level security confines it to ``merchant_id``. Leaving without ``commit()`` rolls back.
    Raises ``StorageUnavailable``.
    """

    merchant_id: str
    users: UserRepository
    sessions: SessionRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


class AccountUnitOfWorkFactory(Protocol):
    def __call__(self, merchant_id: str) -> AccountUnitOfWork: ...
