"""Request bodies and response bodies of users, sessions and API-key listing (contract §10).

The response Structs are what ``auth_presenters`` build and the handlers encode, and the OpenAPI schema;
field order is the order of the encoded body; enumerations are the domain's (``Role``, ``KeyType``,
``Environment``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from micropay.domain.model.api_keys import KeyType
from micropay.domain.model.environment import Environment
from micropay.domain.model.redaction import redacted_fields, redacted_repr
from micropay.domain.model.users import Role

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
    role: Role

    def __repr__(self) -> str:
        return redacted_repr(self, ("password",))

    __str__ = __repr__


class UserObject(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    object: Literal["user"] = "user"
    email: str
    role: Role
    created: int


class SessionUser(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    email: str
    role: Role


class SessionMerchant(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str


class SessionTokens(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["session"] = "session"
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    refresh_token: str
    user: SessionUser
    merchant: SessionMerchant

    def __repr__(self) -> str:
        return redacted_repr(self, ("access_token", "refresh_token"))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("access_token", "refresh_token"))


class SessionObject(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    object: Literal["session"] = "session"
    created: int
    last_refreshed: int
    expires_at: int
    user_agent: str | None
    current: bool


class SessionList(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["list"] = "list"
    data: list[SessionObject]
    has_more: bool = False
    url: str


class UserList(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["list"] = "list"
    data: list[UserObject]
    has_more: bool = False
    url: str


class Deleted(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    object: Literal["user", "session"]
    deleted: Literal[True] = True


class MeObject(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["me"] = "me"
    livemode: bool
    environment: Environment
    merchant: SessionMerchant
    user: SessionUser | None
    session: str | None
    credential: Literal["session", "secret_key", "publishable_key"]


class ApiKeyListItem(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    object: Literal["api_key"] = "api_key"
    type: KeyType
    livemode: bool
    display_prefix: str
    created: int
    expires_at: int | None


class ApiKeyList(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["list"] = "list"
    data: list[ApiKeyListItem]
    has_more: bool = False
    url: str


class PasswordChanged(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["password_change"] = "password_change"
    sessions_ended: int
