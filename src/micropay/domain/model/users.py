"""Merchant users: an email and a password (Argon2id hash only) belonging to one merchant, with a role.

Emails are unique across the service and compared case-insensitively: ``email_key`` (the casefolded,
trimmed email) is what is unique and what a login looks up; ``email`` keeps the spelling the user gave.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

import msgspec

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.environment import Environment
from micropay.domain.model.redaction import redacted_fields, redacted_repr

USER_PREFIX: Final = "usr"
MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 256
MAX_EMAIL_LENGTH: Final = 254


class Role(StrEnum):
    OWNER = "owner"
    DEVELOPER = "developer"


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"
    ROLL_KEYS = "roll_keys"


class User(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    merchant_id: str
    email: str
    email_key: str
    role: Role
    password_hash: str
    created: int

    def __repr__(self) -> str:
        return redacted_repr(self, ("password_hash",))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("password_hash",))


def email_key(email: str) -> str:
    """The form emails are compared in: trimmed and casefolded (``Ann@X.io`` and ``ann@x.io`` are one user)."""
    return email.strip().casefold()


def validate_email(value: object, param: str = "email") -> str:
    """A trimmed email with an ``@``, something on both sides, no space or control character, at most 254."""
    if not isinstance(value, str):
        raise InvalidParameter(param, "email must be a string.")
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or not domain
        or len(email) > MAX_EMAIL_LENGTH
        or any(c.isspace() or not c.isprintable() for c in email)
    ):
        raise InvalidParameter(param, "email must be an email address of at most 254 characters.")
    return email


def validate_password(value: object, param: str = "password") -> str:
    """10 to 256 characters (contract §10); nothing else is imposed."""
    if not isinstance(value, str) or not MIN_PASSWORD_LENGTH <= len(value) <= MAX_PASSWORD_LENGTH:
        raise InvalidParameter(
            param, f"{param} must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.", "password_invalid"
        )
    return value


def parse_role(value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise InvalidParameter("role", "role must be 'owner' or 'developer'.") from None


def role_allows(role: Role | None, permission: Permission, environment: Environment) -> bool:
    """What a role may do beyond what the environment's secret key may.

    ``None`` is an API key: the secret key's rights. Developers may not manage users and may not roll
    production keys; owners may do everything.
    """
    if role is None or role is Role.OWNER:
        return True
    if permission is Permission.MANAGE_USERS:
        return False
    return not (permission is Permission.ROLL_KEYS and environment is Environment.PRODUCTION)


def validate_business_name(value: object) -> str:
    """1 to 200 printable characters (no control characters: they cannot be stored everywhere)."""
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 200 or not value.isprintable():
        raise InvalidParameter("business_name", "business_name must be 1 to 200 printable characters.")
    return value.strip()
