"""Users, sessions and API keys as their response Structs (``auth_models``: also the OpenAPI schema)."""

from __future__ import annotations

from collections.abc import Sequence

from micropay.domain.model.api_keys import ApiKey
from micropay.domain.model.environment import Environment
from micropay.domain.model.merchant import Merchant
from micropay.domain.model.sessions import Session
from micropay.domain.model.users import User
from micropay.domain.use_cases._accounts import SessionIssued
from micropay.domain.use_cases.api_keys import IssuedKey
from micropay.entrypoints.http.auth_models import (
    ApiKeyList,
    ApiKeyListItem,
    MeObject,
    SessionList,
    SessionMerchant,
    SessionObject,
    SessionTokens,
    SessionUser,
    UserList,
    UserObject,
)
from micropay.entrypoints.http.openapi_models import ApiKeyObject


def user_body(user: User) -> UserObject:
    return UserObject(id=user.id, email=user.email, role=user.role, created=user.created)


def user_list(users: Sequence[User], url: str) -> UserList:
    return UserList(data=[user_body(u) for u in users], url=url)


def session_user_body(user: User) -> SessionUser:
    return SessionUser(id=user.id, email=user.email, role=user.role)


def merchant_body(merchant: Merchant) -> SessionMerchant:
    return SessionMerchant(id=merchant.id, name=merchant.name)


def tokens_body(issued: SessionIssued) -> SessionTokens:
    return SessionTokens(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        user=session_user_body(issued.user),
        merchant=merchant_body(issued.merchant),
    )


def session_body(session: Session, current_id: str | None) -> SessionObject:
    return SessionObject(
        id=session.id,
        created=session.created,
        last_refreshed=session.refreshed,
        expires_at=session.expires_at,
        user_agent=session.user_agent,
        current=session.id == current_id,
    )


def session_list(sessions: Sequence[Session], current_id: str | None, url: str) -> SessionList:
    return SessionList(data=[session_body(s, current_id) for s in sessions], url=url)


def me_body(environment: Environment, merchant: Merchant, user: User | None, session_id: str | None) -> MeObject:
    return MeObject(
        livemode=environment.livemode,
        environment=environment,
        merchant=merchant_body(merchant),
        user=session_user_body(user) if user is not None else None,
        session=session_id,
        credential="session" if session_id is not None else "secret_key",
    )


def api_key_body(key: ApiKey) -> ApiKeyListItem:
    return ApiKeyListItem(
        id=key.id,
        type=key.type,
        livemode=key.environment.livemode,
        display_prefix=key.display_prefix,
        created=key.created,
        expires_at=key.expires_at,
    )


def api_key_list(keys: Sequence[ApiKey], url: str) -> ApiKeyList:
    return ApiKeyList(data=[api_key_body(k) for k in keys], url=url)


def issued_key_body(issued: IssuedKey) -> ApiKeyObject:
    """A rolled key, with the key itself (shown in this answer only)."""
    key = issued.key
    return ApiKeyObject(
        id=key.id,
        type=key.type,
        livemode=key.environment.livemode,
        key=issued.raw,
        display_prefix=key.display_prefix,
        created=key.created,
    )
