"""Logging in, refreshing, logging out and checking dashboard sessions (contract §10)."""

from __future__ import annotations

from micropay.domain.auth_errors import (
    AccessTokenInvalid,
    InvalidCredentials,
    RefreshTokenInvalid,
    RefreshTokenReused,
    TooManyAttempts,
)
from micropay.domain.errors import InvalidParameter
from micropay.domain.model import login_throttle, sessions, users
from micropay.domain.model.ids import is_valid_id
from micropay.domain.model.sessions import RefreshDecision, RevokedReason, Session
from micropay.domain.model.users import User
from micropay.domain.use_cases._accounts import SessionIssued, issue, new_refresh_token, read_merchant
from micropay.ports.access_tokens import AccessTokenSigner
from micropay.ports.account_directory import AccountDirectory
from micropay.ports.account_unit_of_work import AccountUnitOfWorkFactory
from micropay.ports.clock import Clock
from micropay.ports.id_generator import IdGenerator
from micropay.ports.login_throttle import LoginThrottle
from micropay.ports.password_hasher import PasswordHasher
from micropay.ports.refresh_tokens import RefreshTokenIssuer
from micropay.ports.unit_of_work import UnitOfWorkFactory


class SessionPrincipal:
    """The parts of a verified access token the API acts on (the session is live at the time of the check)."""

    __slots__ = ("merchant_id", "role", "session_id", "user_id")

    def __init__(self, merchant_id: str, user_id: str, session_id: str, role: users.Role) -> None:
        self.merchant_id = merchant_id
        self.user_id = user_id
        self.session_id = session_id
        self.role = role


class CheckPassword:
    """Verify an email's password under the login throttle; the user on success.

    Rules: a locked email gets ``TooManyAttempts`` before any password is checked; an unknown email costs
    the same hashing work as a wrong password and both raise the same ``InvalidCredentials``; every failure
    counts towards the lock; a success clears it; a hash made with old parameters is replaced.
    """

    def __init__(
        self,
        directory: AccountDirectory,
        throttle: LoginThrottle,
        hasher: PasswordHasher,
        accounts: AccountUnitOfWorkFactory,
        clock: Clock,
    ) -> None:
        self._directory = directory
        self._throttle = throttle
        self._hasher = hasher
        self._accounts = accounts
        self._clock = clock

    async def __call__(self, email: object, password: object, *, param: str = "password") -> User:
        if not isinstance(email, str):
            raise InvalidParameter("email", "email must be a string.")
        if not isinstance(password, str):
            raise InvalidParameter(param, f"{param} must be a string.")
        key = users.email_key(email)
        throttle_key = login_throttle.throttle_key(key)
        state = await self._throttle.state(throttle_key)
        wait = login_throttle.retry_after(state, self._clock.now())
        if wait is not None:
            raise TooManyAttempts(wait)
        user = await self._directory.user_by_email(key)
        if user is None:
            await self._hasher.burn(password)
            matched = False
        else:
            matched = await self._hasher.verify(user.password_hash, password)
        if user is None or not matched:
            await self._throttle.record_failure(throttle_key, self._clock.now())
            raise InvalidCredentials
        if state is not None:
            await self._throttle.clear(throttle_key)
        if self._hasher.needs_rehash(user.password_hash):
            rehashed = await self._hasher.hash(password)
            async with self._accounts(user.merchant_id) as uow:
                await uow.users.set_password_hash(user.id, rehashed)
                await uow.commit()
        return user


class StartSession:
    """Open a session for a user whose password was just checked (or just set): its first token pair."""

    def __init__(
        self,
        accounts: AccountUnitOfWorkFactory,
        uow: UnitOfWorkFactory,
        signer: AccessTokenSigner,
        refresh_tokens: RefreshTokenIssuer,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._accounts = accounts
        self._uow = uow
        self._signer = signer
        self._refresh_tokens = refresh_tokens
        self._clock = clock
        self._ids = ids

    async def __call__(self, user: User, user_agent: str | None = None) -> SessionIssued:
        now = int(self._clock.now())
        merchant = await read_merchant(self._uow, user.merchant_id)
        session = sessions.new_session(
            session_id=self._ids.new_id(sessions.SESSION_PREFIX),
            merchant_id=user.merchant_id,
            user_id=user.id,
            now=now,
            user_agent=user_agent,
        )
        raw = self._refresh_tokens.issue()
        async with self._accounts(user.merchant_id) as uow:
            await uow.sessions.add(session)
            await uow.sessions.add_refresh_token(new_refresh_token(self._refresh_tokens, raw, session, now))
            await uow.commit()
        return issue(self._signer, session, user, merchant, raw, now)


class LogIn:
    """``POST /v1/auth/login``: check the password (``CheckPassword``'s rules), then start a session."""

    def __init__(self, check: CheckPassword, start: StartSession) -> None:
        self._check = check
        self._start = start

    async def __call__(self, email: object, password: object, user_agent: str | None = None) -> SessionIssued:
        user = await self._check(email, password)
        return await self._start(user, user_agent)


class Refresh:
    """``POST /v1/auth/refresh``: exchange a refresh token for the next pair.

    Rules: an unspent token of a live session is spent (atomically: of two concurrent requests one spends it)
    and its successor issued, and the session's 30-day idle expiry starts again. A token spent at most 10 s
    ago gets the very same pair its first use got (two tabs racing). A token spent longer ago is a reuse: the
    session and every token of its family are revoked, ``RefreshTokenReused``. Unknown tokens and tokens of
    an ended session: ``RefreshTokenInvalid``.
    """

    def __init__(
        self,
        directory: AccountDirectory,
        accounts: AccountUnitOfWorkFactory,
        uow: UnitOfWorkFactory,
        signer: AccessTokenSigner,
        refresh_tokens: RefreshTokenIssuer,
        clock: Clock,
    ) -> None:
        self._directory = directory
        self._accounts = accounts
        self._uow = uow
        self._signer = signer
        self._refresh_tokens = refresh_tokens
        self._clock = clock

    async def __call__(self, raw: str) -> SessionIssued:
        token_hash = self._refresh_tokens.hash(raw)
        token = await self._directory.refresh_token(token_hash)
        if token is None:
            raise RefreshTokenInvalid
        now = int(self._clock.now())
        async with self._accounts(token.merchant_id) as uow:
            # Spend first: the conditional write decides races, and on SQLite a write transaction must begin
            # with its write.
            if token.spent_at is None and await uow.sessions.spend_refresh_token(token_hash, now):
                decision = RefreshDecision.ROTATE
            else:
                latest = await uow.sessions.get_refresh_token(token_hash)
                if latest is None or latest.spent_at is None:
                    raise RefreshTokenInvalid
                token = latest
                decision = sessions.decide_refresh(token, now)
            session = await uow.sessions.get(token.session_id)
            if decision is RefreshDecision.REUSED:
                if session is not None:
                    await uow.sessions.revoke(session.id, now, RevokedReason.REFRESH_TOKEN_REUSED)
                    await uow.commit()
                raise RefreshTokenReused
            user = await uow.users.get(session.user_id) if session is not None else None
            if session is None or user is None or not session.is_live(now):
                raise RefreshTokenInvalid  # leaving without commit undoes the spend
            successor = self._refresh_tokens.successor(raw)
            if decision is RefreshDecision.ROTATE:
                await uow.sessions.add_refresh_token(new_refresh_token(self._refresh_tokens, successor, session, now))
                await uow.sessions.mark_refreshed(session.id, now, now + sessions.IDLE_TTL)
                await uow.commit()
                issued_at = now
            else:
                issued_at = token.spent_at or now
        merchant = await read_merchant(self._uow, session.merchant_id)
        return issue(self._signer, session, user, merchant, successor, issued_at)


class AuthenticateSession:
    """Resolve an access token to its session principal, or ``AccessTokenInvalid``.

    The token must verify and be unexpired, and its session must be live at this moment and agree with the
    token on merchant and user: one indexed lookup per request, so a revoked session stops working at once.
    """

    def __init__(self, signer: AccessTokenSigner, directory: AccountDirectory, clock: Clock) -> None:
        self._signer = signer
        self._directory = directory
        self._clock = clock

    async def __call__(self, token: str) -> SessionPrincipal:
        now = self._clock.now()
        claims = self._signer.verify(token, now)
        if claims is None:
            raise AccessTokenInvalid
        session = await self._directory.session(claims.sid)
        if session is None or not _belongs(session, claims.mer, claims.sub) or not session.is_live(now):
            raise AccessTokenInvalid
        return SessionPrincipal(claims.mer, claims.sub, claims.sid, claims.role)


def _belongs(session: Session, merchant_id: str, user_id: str) -> bool:
    return session.merchant_id == merchant_id and session.user_id == user_id


class LogOut:
    """End one session (``POST /v1/auth/logout`` ends the caller's; ``DELETE /v1/auth/sessions/{id}`` another
    of the same user's). Ending an ended or unknown session changes nothing."""

    def __init__(self, accounts: AccountUnitOfWorkFactory, clock: Clock) -> None:
        self._accounts = accounts
        self._clock = clock

    async def __call__(self, merchant_id: str, user_id: str, session_id: str, reason: RevokedReason) -> bool:
        """Whether the session was one of the user's live sessions."""
        if not is_valid_id(session_id, sessions.SESSION_PREFIX):
            return False
        now = int(self._clock.now())
        async with self._accounts(merchant_id) as uow:
            session = await uow.sessions.get(session_id)
            if session is None or session.user_id != user_id or not session.is_live(now):
                return False
            await uow.sessions.revoke(session_id, now, reason)
            await uow.commit()
        return True


class ListSessions:
    """The user's live sessions, newest first."""

    def __init__(self, accounts: AccountUnitOfWorkFactory, clock: Clock) -> None:
        self._accounts = accounts
        self._clock = clock

    async def __call__(self, merchant_id: str, user_id: str) -> list[Session]:
        now = self._clock.now()
        async with self._accounts(merchant_id) as uow:
            found = await uow.sessions.of_user(user_id)
        return [session for session in found if session.is_live(now)]


class ChangePassword:
    """``POST /v1/auth/password``: check the current password (throttled like a login), store the new
    one's hash, and end every other session of the user."""

    def __init__(
        self, check: CheckPassword, hasher: PasswordHasher, accounts: AccountUnitOfWorkFactory, clock: Clock
    ) -> None:
        self._check = check
        self._hasher = hasher
        self._accounts = accounts
        self._clock = clock

    async def __call__(self, merchant_id: str, user_id: str, session_id: str, current: object, new: object) -> int:
        """How many other sessions were ended."""
        new_password = users.validate_password(new, "new_password")
        async with self._accounts(merchant_id) as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise AccessTokenInvalid
        checked = await self._check(user.email, current, param="current_password")
        if checked.id != user.id:  # pragma: no cover - emails are unique
            raise InvalidCredentials
        new_hash = await self._hasher.hash(new_password)
        now = int(self._clock.now())
        async with self._accounts(merchant_id) as uow:
            await uow.users.set_password_hash(user_id, new_hash)
            ended = await uow.sessions.revoke_user_sessions(
                user_id, now, RevokedReason.PASSWORD_CHANGED, keep=session_id
            )
            await uow.commit()
        return ended
