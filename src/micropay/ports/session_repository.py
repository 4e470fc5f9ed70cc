from __future__ import annotations

from typing import Protocol

from micropay.domain.model.sessions import RefreshToken, RevokedReason, Session


class SessionRepository(Protocol):
    """The merchant's dashboard sessions and their refresh tokens (hashes only).

    The writes are single conditional statements (no read-modify-write), so concurrent requests on one
    session never lose an update: a refresh spends its token with ``spend_refresh_token`` before it reads.
    """

    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: str) -> Session | None: ...

    async def of_user(self, user_id: str) -> list[Session]:
        """Every session of the user, live or not, newest first."""
        ...

    async def mark_refreshed(self, session_id: str, now: int, expires_at: int) -> None: ...

    async def revoke(self, session_id: str, now: int, reason: RevokedReason) -> None:
        """End the session (a no-op when it already ended: the first reason is kept)."""
        ...

    async def revoke_user_sessions(
        self, user_id: str, now: int, reason: RevokedReason, *, keep: str | None = None
    ) -> int:
        """End every live session of the user except ``keep``; how many were ended."""
        ...

    async def add_refresh_token(self, token: RefreshToken) -> None: ...

    async def spend_refresh_token(self, token_hash: str, now: int) -> bool:
        """Mark an unspent token spent at ``now``; False when it was already spent (another request won)."""
        ...

    async def get_refresh_token(self, token_hash: str) -> RefreshToken | None: ...
