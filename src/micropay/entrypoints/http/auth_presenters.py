"""JSON of users, sessions and API keys (field for field what ``auth_models`` documents)."""

from __future__ import annotations

from typing import Any

from micropay.domain.model.api_keys import ApiKey
from micropay.domain.model.merchant import Merchant
from micropay.domain.model.sessions import Session
from micropay.domain.model.users import User
from micropay.domain.use_cases._accounts import SessionIssued


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "object": "user", "email": user.email, "role": user.role.value, "created": user.created}


def session_user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "role": user.role.value}


def merchant_json(merchant: Merchant) -> dict[str, Any]:
    return {"id": merchant.id, "name": merchant.name}


def tokens_json(issued: SessionIssued) -> dict[str, Any]:
    return {
        "object": "session",
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "user": session_user_json(issued.user),
        "merchant": merchant_json(issued.merchant),
    }


def session_json(session: Session, current_id: str | None) -> dict[str, Any]:
    return {
        "id": session.id,
        "object": "session",
        "created": session.created,
        "last_refreshed": session.refreshed,
        "expires_at": session.expires_at,
        "user_agent": session.user_agent,
        "current": session.id == current_id,
    }


def api_key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "object": "api_key",
        "type": key.type.value,
        "livemode": key.environment.livemode,
        "display_prefix": key.display_prefix,
        "created": key.created,
        "expires_at": key.expires_at,
    }


def list_json(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "url": url}
