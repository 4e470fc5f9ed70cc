"""Row <-> domain mapping for users, sessions and refresh tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from micropay.domain.model.sessions import RefreshToken, RevokedReason, Session
from micropay.domain.model.users import Role, User


def user_to_domain(row: RowMapping) -> User:
    return User(
        id=row["id"],
        merchant_id=row["merchant_id"],
        email=row["email"],
        email_key=row["email_key"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        created=row["created"],
    )


def user_from_domain(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "merchant_id": user.merchant_id,
        "email": user.email,
        "email_key": user.email_key,
        "role": user.role.value,
        "password_hash": user.password_hash,
        "created": user.created,
    }


def session_to_domain(row: RowMapping) -> Session:
    reason = row["revoked_reason"]
    return Session(
        id=row["id"],
        merchant_id=row["merchant_id"],
        user_id=row["user_id"],
        created=row["created"],
        refreshed=row["refreshed"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        revoked_reason=RevokedReason(reason) if reason is not None else None,
        user_agent=row["user_agent"],
    )


def session_from_domain(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "merchant_id": session.merchant_id,
        "user_id": session.user_id,
        "created": session.created,
        "refreshed": session.refreshed,
        "expires_at": session.expires_at,
        "revoked_at": session.revoked_at,
        "revoked_reason": session.revoked_reason.value if session.revoked_reason is not None else None,
        "user_agent": session.user_agent,
    }


def refresh_token_to_domain(row: RowMapping) -> RefreshToken:
    return RefreshToken(
        token_hash=row["token_hash"],
        session_id=row["session_id"],
        merchant_id=row["merchant_id"],
        created=row["created"],
        spent_at=row["spent_at"],
    )


def refresh_token_from_domain(token: RefreshToken) -> dict[str, Any]:
    return {
        "token_hash": token.token_hash,
        "session_id": token.session_id,
        "merchant_id": token.merchant_id,
        "created": token.created,
        "spent_at": token.spent_at,
    }
