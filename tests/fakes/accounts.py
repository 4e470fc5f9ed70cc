"""Fakes of the account ports: users, sessions, refresh tokens, the directory, the throttle, a fast hasher.

``AccountTables`` holds the committed rows; ``FakeAccountUnitOfWork`` applies a transaction's writes on
commit only (a copy-on-enter snapshot, like the tenant fakes). Tests assert on ``AccountTables``.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import msgspec

from micropay.domain.auth_errors import EmailTaken
from micropay.domain.model import login_throttle
from micropay.domain.model.login_throttle import ThrottleState
from micropay.domain.model.sessions import RefreshToken, RevokedReason, Session
from micropay.domain.model.users import User
from micropay.ports.account_directory import AccountDirectory
from micropay.ports.account_unit_of_work import AccountUnitOfWork, AccountUnitOfWorkFactory
from micropay.ports.login_throttle import LoginThrottle
from micropay.ports.password_hasher import PasswordHasher
from micropay.ports.session_repository import SessionRepository
from micropay.ports.user_repository import UserRepository


@dataclass
class AccountTables:
    users: dict[str, User] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    throttle: dict[str, ThrottleState] = field(default_factory=dict)


class FakeUsers(UserRepository):
    def __init__(self, tables: AccountTables, merchant_id: str) -> None:
        self._t = tables
        self._merchant_id = merchant_id

    async def add(self, user: User) -> None:
        assert user.merchant_id == self._merchant_id, "another merchant's user"
        if any(u.email_key == user.email_key for u in self._t.users.values()):
            raise EmailTaken
        self._t.users[user.id] = user

    async def get(self, user_id: str) -> User | None:
        user = self._t.users.get(user_id)
        return user if user is not None and user.merchant_id == self._merchant_id else None

    async def list(self) -> list[User]:
        mine = [u for u in self._t.users.values() if u.merchant_id == self._merchant_id]
        return sorted(mine, key=lambda u: (u.created, u.id))

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        user = await self.get(user_id)
        if user is not None:
            self._t.users[user_id] = msgspec.structs.replace(user, password_hash=password_hash)

    async def delete(self, user_id: str) -> bool:
        if await self.get(user_id) is None:
            return False
        del self._t.users[user_id]
        doomed = [s.id for s in self._t.sessions.values() if s.user_id == user_id]
        for session_id in doomed:
            del self._t.sessions[session_id]
        for token_hash in [h for h, t in self._t.refresh_tokens.items() if t.session_id in doomed]:
            del self._t.refresh_tokens[token_hash]
        return True


class FakeSessions(SessionRepository):
    def __init__(self, tables: AccountTables, merchant_id: str) -> None:
        self._t = tables
        self._merchant_id = merchant_id

    async def add(self, session: Session) -> None:
        assert session.merchant_id == self._merchant_id
        assert session.id not in self._t.sessions
        self._t.sessions[session.id] = session

    async def get(self, session_id: str) -> Session | None:
        session = self._t.sessions.get(session_id)
        return session if session is not None and session.merchant_id == self._merchant_id else None

    async def of_user(self, user_id: str) -> list[Session]:
        mine = [s for s in self._t.sessions.values() if s.merchant_id == self._merchant_id and s.user_id == user_id]
        return sorted(mine, key=lambda s: s.id, reverse=True)

    async def mark_refreshed(self, session_id: str, now: int, expires_at: int) -> None:
        session = await self.get(session_id)
        if session is not None:
            self._t.sessions[session_id] = msgspec.structs.replace(session, refreshed=now, expires_at=expires_at)

    async def revoke(self, session_id: str, now: int, reason: RevokedReason) -> None:
        session = await self.get(session_id)
        if session is not None and session.revoked_at is None:
            self._t.sessions[session_id] = msgspec.structs.replace(session, revoked_at=now, revoked_reason=reason)

    async def revoke_user_sessions(
        self, user_id: str, now: int, reason: RevokedReason, *, keep: str | None = None
    ) -> int:
        ended = 0
        for session in await self.of_user(user_id):
            if session.id != keep and session.revoked_at is None:
                await self.revoke(session.id, now, reason)
                ended += 1
        return ended

    async def add_refresh_token(self, token: RefreshToken) -> None:
        assert token.merchant_id == self._merchant_id
        assert token.token_hash not in self._t.refresh_tokens
        self._t.refresh_tokens[token.token_hash] = token

    async def spend_refresh_token(self, token_hash: str, now: int) -> bool:
        token = await self.get_refresh_token(token_hash)
        if token is None or token.spent_at is not None:
            return False
        self._t.refresh_tokens[token_hash] = msgspec.structs.replace(token, spent_at=now)
        return True

    async def get_refresh_token(self, token_hash: str) -> RefreshToken | None:
        token = self._t.refresh_tokens.get(token_hash)
        return token if token is not None and token.merchant_id == self._merchant_id else None


class FakeAccountUnitOfWork(AccountUnitOfWork):
    def __init__(self, committed: AccountTables, merchant_id: str) -> None:
        self.merchant_id = merchant_id
        self._committed = committed
        self._working = AccountTables()

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self._committed)
        self.users = FakeUsers(self._working, self.merchant_id)
        self.sessions = FakeSessions(self._working, self.merchant_id)
        return self

    async def commit(self) -> None:
        # whole tables: the fake runs one transaction at a time (no interleaving)
        self._committed.users = self._working.users
        self._committed.sessions = self._working.sessions
        self._committed.refresh_tokens = self._working.refresh_tokens
        self._working = copy.deepcopy(self._committed)
        self.users = FakeUsers(self._working, self.merchant_id)
        self.sessions = FakeSessions(self._working, self.merchant_id)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class FakeAccountUnitOfWorkFactory(AccountUnitOfWorkFactory):
    def __init__(self, tables: AccountTables) -> None:
        self._tables = tables

    def __call__(self, merchant_id: str) -> FakeAccountUnitOfWork:
        return FakeAccountUnitOfWork(self._tables, merchant_id)


class FakeAccountDirectory(AccountDirectory):
    def __init__(self, tables: AccountTables) -> None:
        self._t = tables

    async def user_by_email(self, email_key: str) -> User | None:
        return next((u for u in self._t.users.values() if u.email_key == email_key), None)

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        return self._t.refresh_tokens.get(token_hash)

    async def session(self, session_id: str) -> Session | None:
        return self._t.sessions.get(session_id)


class FakeLoginThrottle(LoginThrottle):
    def __init__(self, tables: AccountTables) -> None:
        self._t = tables

    async def state(self, key: str) -> ThrottleState | None:
        return self._t.throttle.get(key)

    async def record_failure(self, key: str, now: float) -> ThrottleState:
        state = login_throttle.after_failure(self._t.throttle.get(key), now)
        self._t.throttle[key] = state
        return state

    async def clear(self, key: str) -> None:
        self._t.throttle.pop(key, None)


class FakePasswordHasher(PasswordHasher):
    """``fake$<version>$<sha256(password)>``: instant; ``version`` stands for the hashing parameters.

    ``burned`` counts the decoy verifications (unknown emails), ``verified`` the real ones.
    """

    def __init__(self, version: int = 1) -> None:
        self.version = version
        self.burned = 0
        self.verified = 0

    async def hash(self, password: str) -> str:
        return f"fake${self.version}${hashlib.sha256(password.encode()).hexdigest()}"

    async def verify(self, encoded: str, password: str) -> bool:
        self.verified += 1
        return encoded.rsplit("$", 1)[-1] == hashlib.sha256(password.encode()).hexdigest()

    async def burn(self, password: str) -> None:
        self.burned += 1

    def needs_rehash(self, encoded: str) -> bool:
        return not encoded.startswith(f"fake${self.version}$")
