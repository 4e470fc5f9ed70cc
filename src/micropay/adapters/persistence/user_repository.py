"""A merchant's users on SQL."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.account_mapping import user_from_domain, user_to_domain
from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.rows import USERS
from micropay.domain.auth_errors import EmailTaken
from micropay.domain.model.users import User
from micropay.ports.user_repository import UserRepository

_C = USERS.c
_MINE: Final = _C.merchant_id == bindparam("t_merchant")
_INSERT: Final = insert(USERS)
_GET: Final = select(USERS).where(_MINE, _C.id == bindparam("t_id"))
_LIST: Final = select(USERS).where(_MINE).order_by(_C.created, _C.id)
_SET_HASH: Final = update(USERS).where(_MINE, _C.id == bindparam("t_id")).values(password_hash=bindparam("v"))
_DELETE: Final = delete(USERS).where(_MINE, _C.id == bindparam("t_id"))


class SqlaUserRepository(UserRepository):
    def __init__(self, connection: AsyncConnection, merchant_id: str) -> None:
        self._connection = connection
        self._mine = {"t_merchant": merchant_id}

    async def add(self, user: User) -> None:
        if user.merchant_id != self._mine["t_merchant"]:
            raise ValueError("A user can only be added by its own merchant's unit of work.")
        try:
            with storage_errors("create a user"):
                await self._connection.execute(_INSERT, user_from_domain(user))
        except IntegrityError as exc:
            # the one unique column besides the primary key (SQLite and Postgres both name it)
            if "email_key" in str(exc.orig):
                raise EmailTaken from None
            raise

    async def get(self, user_id: str) -> User | None:
        with storage_errors("read a user"):
            row = (await self._connection.execute(_GET, {"t_id": user_id, **self._mine})).mappings().first()
        return user_to_domain(row) if row is not None else None

    async def list(self) -> list[User]:
        with storage_errors("list users"):
            rows = (await self._connection.execute(_LIST, self._mine)).mappings().all()
        return [user_to_domain(row) for row in rows]

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        with storage_errors("store a password hash"):
            await self._connection.execute(_SET_HASH, {"t_id": user_id, "v": password_hash, **self._mine})

    async def delete(self, user_id: str) -> bool:
        with storage_errors("delete a user"):
            result = await self._connection.execute(_DELETE, {"t_id": user_id, **self._mine})
        return bool(result.rowcount)
