"""Dashboard sessions: one per login, a family of single-use refresh tokens, short-lived access tokens.

- An access token (a JWT) lives ``ACCESS_TOKEN_TTL`` seconds and names its session; it works only while the
  session is live (checked on every request, so a revocation takes effect at once).
- A refresh token is spent by its first use, which issues the next one of the family. A spent token shown
  again within ``REUSE_GRACE_SECONDS`` gets the same new pair (two tabs racing); later it is a reuse: the
  whole session is revoked.
- A session ends ``IDLE_TTL`` seconds after its last refresh (or the login), or when revoked.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Final

import msgspec

from micropay.domain.model.users import Role

SESSION_PREFIX: Final = "ses"
ACCESS_TOKEN_TTL: Final = 3600
IDLE_TTL: Final = 30 * 24 * 3600
REUSE_GRACE_SECONDS: Final = 10
MAX_USER_AGENT_LENGTH: Final = 200


class RevokedReason(StrEnum):
    LOGOUT = "logout"
    REVOKED = "revoked"  # by the user, from the session list
    REFRESH_TOKEN_REUSED = "refresh_token_reused"  # noqa: S105 - a reason, not a token
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
    USER_DELETED = "user_deleted"


class Session(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    merchant_id: str
    user_id: str
    created: int
    refreshed: int
    expires_at: int
    revoked_at: int | None = None
    revoked_reason: RevokedReason | None = None
    user_agent: str | None = None

    def is_live(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expires_at


class RefreshToken(msgspec.Struct, frozen=True, kw_only=True):
    """A stored refresh token: its SHA-256 hash only. ``spent_at`` is when it was exchanged."""

    token_hash: str
    session_id: str
    merchant_id: str
    created: int
    spent_at: int | None = None


class AccessClaims(msgspec.Struct, frozen=True, kw_only=True):
    """What an access token says: ``sub`` user, ``sid`` session, ``mer`` merchant, the role, issue/expiry;
    ``jti`` tells apart the tokens of one session (it is derived from the refresh token issued beside it)."""

    jti: str
    sub: str
    sid: str
    mer: str
    role: Role
    iat: int
    exp: int


class RefreshDecision(StrEnum):
    ROTATE = "rotate"  # unspent: spend it, issue the next
    REPLAY = "replay"  # spent within the grace window: the same next pair again
    REUSED = "reused"  # spent before the window: revoke the session


def new_session(*, session_id: str, merchant_id: str, user_id: str, now: int, user_agent: str | None = None) -> Session:
    agent = user_agent[:MAX_USER_AGENT_LENGTH] if user_agent else None
    return Session(
        id=session_id,
        merchant_id=merchant_id,
        user_id=user_id,
        created=now,
        refreshed=now,
        expires_at=now + IDLE_TTL,
        user_agent=agent,
    )


def access_claims(session: Session, role: Role, issued_at: int, refresh_token: str) -> AccessClaims:
    """The claims of the access token issued at ``issued_at`` beside ``refresh_token``: deterministic, so a
    replay within the race window rebuilds the very same token."""
    return AccessClaims(
        jti=hashlib.sha256(b"micropay-access-token-id:" + refresh_token.encode()).hexdigest()[:32],
        sub=session.user_id,
        sid=session.id,
        mer=session.merchant_id,
        role=role,
        iat=issued_at,
        exp=issued_at + ACCESS_TOKEN_TTL,
    )


def decide_refresh(token: RefreshToken, now: float) -> RefreshDecision:
    if token.spent_at is None:
        return RefreshDecision.ROTATE
    if now - token.spent_at <= REUSE_GRACE_SECONDS:
        return RefreshDecision.REPLAY
    return RefreshDecision.REUSED


def refreshed(session: Session, now: int) -> Session:
    """The session after a refresh: its idle expiry starts again."""
    return msgspec.structs.replace(session, refreshed=now, expires_at=now + IDLE_TTL)


def revoked(session: Session, now: int, reason: RevokedReason) -> Session:
    if session.revoked_at is not None:
        return session
    return msgspec.structs.replace(session, revoked_at=now, revoked_reason=reason)
