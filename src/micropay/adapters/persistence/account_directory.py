"""The account lookups made before the merchant is known (login, refresh, the per-request session check).

On Postgres they call the SECURITY DEFINER functions of migration 0008 (owned by ``micropay_directory``,
executable by ``micropay_app`` only); on SQLite, plain queries. Each is one round trip in autocommit mode.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Executable, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.account_mapping import refresh_token_to_domain, session_to_domain, user_to_domain
from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.rows import REFRESH_TOKENS, SESSIONS, USERS
from micropay.domain.model.sessions import RefreshToken, Session
from micropay.domain.model.users import User
from micropay.ports.account_directory import AccountDirectory

_PG_USER: Final = text("SELECT * FROM micropay_find_user_by_email(:email_key)")
_PG_TOKEN: Final = text("SELECT * FROM micropay_find_refresh_token(:token_hash)")
_PG_SESSION: Final = text("SELECT * FROM micropay_find_session(:session_id)")
_LITE_USER: Final = select(USERS).where(USERS.c.email_key == bindparam("email_key"))
_LITE_TOKEN: Final = select(REFRESH_TOKENS).where(REFRESH_TOKENS.c.token_hash == bindparam("token_hash"))
_LITE_SESSION: Final = select(SESSIONS).where(SESSIONS.c.id == bindparam("session_id"))


class SqlaAccountDirectory(AccountDirectory):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        postgres = engine.dialect.name == "postgresql"
        self._user: Executable = _PG_USER if postgres else _LITE_USER
        self._token: Executable = _PG_TOKEN if postgres else _LITE_TOKEN
        self._session: Executable = _PG_SESSION if postgres else _LITE_SESSION

    async def user_by_email(self, email_key: str) -> User | None:
        if "\x00" in email_key:  # Postgres text cannot hold NUL, and no stored email has a control character
            return None
        row = await self._first("look up a user", self._user, {"email_key": email_key})
        return user_to_domain(row) if row is not None else None

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        row = await self._first("look up a refresh token", self._token, {"token_hash": token_hash})
        return refresh_token_to_domain(row) if row is not None else None

    async def session(self, session_id: str) -> Session | None:
        row = await self._first("check a session", self._session, {"session_id": session_id})
        return session_to_domain(row) if row is not None else None

    async def _first(self, action: str, statement: Executable, params: dict[str, Any]) -> Any:
        with storage_errors(action):
            async with self._engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                return (await connection.execute(statement, params)).mappings().first()
