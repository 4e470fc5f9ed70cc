"""Request bodies and OpenAPI response shapes of users, sessions and API-key listing (contract §10)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from micropay.domain.model.redaction import redacted_repr

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, examples=["owner@example.com"])]
#: Long enough for any real password; the 10-256 rule is the domain's (a login does not reveal it).
Password = Annotated[str, msgspec.Meta(max_length=1024)]
NewPassword = Annotated[str, msgspec.Meta(min_length=10, max_length=256)]


class LoginBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Annotated[str, msgspec.Meta(max_length=1024)]
    password: Password

    def __repr__(self) -> str:
        return redacted_repr(self, ("password",))

    __str__ = __repr__


class SignupBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email
    password: NewPassword
    business_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]

    def __repr__(self) -> str:
        return redacted_repr(self, ("password",))

    __str__ = __repr__


class RefreshBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Omit ``refresh_token`` to use the refresh cookie (then ``x-micropay-csrf`` must match ``micropay_csrf``)."""

    refresh_token: Annotated[str, msgspec.Meta(max_length=256)] | None = None

    def __repr__(self) -> str:
        return redacted_repr(self, ("refresh_token",))

    __str__ = __repr__


class PasswordBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    current_password: Password
    new_password: NewPassword

    def __repr__(self) -> str:
        return redacted_repr(self, ("current_password", "new_password"))

    __str__ = __repr__


class CreateUserBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email
    password: NewPassword
    role: Literal["owner", "developer"]

    def __repr__(self) -> str:
        return redacted_repr(self, ("password",))

    __str__ = __repr__


class UserObject(msgspec.Struct):
    id: str
    object: Literal["user"]
    email: str
    role: Literal["owner", "developer"]
    created: int


class SessionUser(msgspec.Struct):
    id: str
    email: str
    role: Literal["owner", "developer"]


class SessionMerchant(msgspec.Struct):
    id: str
    name: str


class SessionTokens(msgspec.Struct):
    object: Literal["session"]
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    refresh_token: str
    user: SessionUser
    merchant: SessionMerchant


class SessionObject(msgspec.Struct):
    id: str
    object: Literal["session"]
    created: int
    last_refreshed: int
    expires_at: int
    user_agent: str | None
    current: bool


class SessionList(msgspec.Struct):
    object: Literal["list"]
    data: list[SessionObject]
    has_more: bool
    url: str


class UserList(msgspec.Struct):
    object: Literal["list"]
    data: list[UserObject]
    has_more: bool
    url: str


class Deleted(msgspec.Struct):
    id: str
    object: str
    deleted: bool


class MeObject(msgspec.Struct):
    object: Literal["me"]
    livemode: bool
    environment: Literal["sandbox", "production"]
    merchant: SessionMerchant
    user: SessionUser | None
    session: str | None
    credential: Literal["session", "secret_key", "publishable_key"]


class ApiKeyListItem(msgspec.Struct):
    id: str
    object: Literal["api_key"]
    type: Literal["secret", "publishable"]
    livemode: bool
    display_prefix: str
    created: int
    expires_at: int | None


class ApiKeyList(msgspec.Struct):
    object: Literal["list"]
    data: list[ApiKeyListItem]
    has_more: bool
    url: str


class PasswordChanged(msgspec.Struct):
    object: Literal["password_change"]
    sessions_ended: int
