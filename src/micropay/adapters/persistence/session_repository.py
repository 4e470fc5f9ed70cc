"""A merchant's dashboard sessions and refresh tokens (hashes only) on SQL."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.account_mapping import (
    refresh_token_from_domain,
    refresh_token_to_domain,
    session_from_domain,
    session_to_domain,
)
from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.rows import REFRESH_TOKENS, SESSIONS
from micropay.domain.model.sessions import RefreshToken, RevokedReason, Session
from micropay.ports.session_repository import SessionRepository

_S = SESSIONS.c
_T = REFRESH_TOKENS.c
_MINE: Final = _S.merchant_id == bindparam("t_merchant")
_TOKEN_MINE: Final = _T.merchant_id == bindparam("t_merchant")
_INSERT: Final = insert(SESSIONS)
_GET: Final = select(SESSIONS).where(_MINE, _S.id == bindparam("t_id"))
_OF_USER: Final = select(SESSIONS).where(_MINE, _S.user_id == bindparam("t_user")).order_by(_S.id.desc())
_REFRESHED: Final = (
    update(SESSIONS)
    .where(_MINE, _S.id == bindparam("t_id"))
    .values(refreshed=bindparam("v_now"), expires_at=bindparam("v_expires"))
)
_REVOKE: Final = (
    update(SESSIONS)
    .where(_MINE, _S.id == bindparam("t_id"), _S.revoked_at.is_(None))
    .values(revoked_at=bindparam("v_now"), revoked_reason=bindparam("v_reason"))
)
_REVOKE_USER: Final = (
    update(SESSIONS)
    .where(_MINE, _S.user_id == bindparam("t_user"), _S.revoked_at.is_(None), _S.id != bindparam("t_keep"))
    .values(revoked_at=bindparam("v_now"), revoked_reason=bindparam("v_reason"))
)
_INSERT_TOKEN: Final = insert(REFRESH_TOKENS)
_SPEND: Final = (
    update(REFRESH_TOKENS)
    .where(_TOKEN_MINE, _T.token_hash == bindparam("t_hash"), _T.spent_at.is_(None))
    .values(spent_at=bindparam("v_now"))
)
_GET_TOKEN: Final = select(REFRESH_TOKENS).where(_TOKEN_MINE, _T.token_hash == bindparam("t_hash"))


class SqlaSessionRepository(SessionRepository):
    def __init__(self, connection: AsyncConnection, merchant_id: str) -> None:
        self._connection = connection
        self._mine = {"t_merchant": merchant_id}

    async def add(self, session: Session) -> None:
        if session.merchant_id != self._mine["t_merchant"]:
            raise ValueError("A session can only be added by its own merchant's unit of work.")
        with storage_errors("start a session"):
            await self._connection.execute(_INSERT, session_from_domain(session))

    async def get(self, session_id: str) -> Session | None:
        with storage_errors("read a session"):
            row = (await self._connection.execute(_GET, {"t_id": session_id, **self._mine})).mappings().first()
        return session_to_domain(row) if row is not None else None

    async def of_user(self, user_id: str) -> list[Session]:
        with storage_errors("list sessions"):
            rows = (await self._connection.execute(_OF_USER, {"t_user": user_id, **self._mine})).mappings().all()
        return [session_to_domain(row) for row in rows]

    async def mark_refreshed(self, session_id: str, now: int, expires_at: int) -> None:
        params = {"t_id": session_id, "v_now": now, "v_expires": expires_at, **self._mine}
        with storage_errors("refresh a session"):
            await self._connection.execute(_REFRESHED, params)

    async def revoke(self, session_id: str, now: int, reason: RevokedReason) -> None:
        params = {"t_id": session_id, "v_now": now, "v_reason": reason.value, **self._mine}
        with storage_errors("end a session"):
            await self._connection.execute(_REVOKE, params)

    async def revoke_user_sessions(
        self, user_id: str, now: int, reason: RevokedReason, *, keep: str | None = None
    ) -> int:
        params = {"t_user": user_id, "t_keep": keep or "", "v_now": now, "v_reason": reason.value, **self._mine}
        with storage_errors("end sessions"):
            result = await self._connection.execute(_REVOKE_USER, params)
        return int(result.rowcount)

    async def add_refresh_token(self, token: RefreshToken) -> None:
        if token.merchant_id != self._mine["t_merchant"]:
            raise ValueError("A refresh token can only be added by its own merchant's unit of work.")
        with storage_errors("store a refresh token"):
            await self._connection.execute(_INSERT_TOKEN, refresh_token_from_domain(token))

    async def spend_refresh_token(self, token_hash: str, now: int) -> bool:
        with storage_errors("spend a refresh token"):
            result = await self._connection.execute(_SPEND, {"t_hash": token_hash, "v_now": now, **self._mine})
        return result.rowcount == 1

    async def get_refresh_token(self, token_hash: str) -> RefreshToken | None:
        with storage_errors("read a refresh token"):
            row = (await self._connection.execute(_GET_TOKEN, {"t_hash": token_hash, **self._mine})).mappings().first()
        return refresh_token_to_domain(row) if row is not None else None
