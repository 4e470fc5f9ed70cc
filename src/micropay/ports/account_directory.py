from __future__ import annotations

from typing import Protocol

from micropay.domain.model.sessions import RefreshToken, Session
from micropay.domain.model.users import User


class AccountDirectory(Protocol):
    """The account lookups made before the merchant is known, each by an exact email, hash or session id.

    On Postgres they go through SECURITY DEFINER functions (like ``TenantDirectory``); each is one round
    trip. Raises ``StorageUnavailable``.
    """

    async def user_by_email(self, email_key: str) -> User | None:
        """The user whose casefolded email is ``email_key`` (to log in)."""
        ...

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        """The refresh token with this hash, spent or not (to refresh)."""
        ...

    async def session(self, session_id: str) -> Session | None:
        """The session with this id, live or not (checked on every request made with an access token)."""
        ...
