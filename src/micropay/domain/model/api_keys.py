"""API keys: ``{sk|pk}_{test|live}_`` + 32 base62 characters. Stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from typing import Final

import msgspec

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.environment import Environment

KEY_BODY_LENGTH: Final = 32
MAX_ROLL_OVERLAP_SECONDS: Final = 7 * 24 * 3600
DISPLAY_PREFIX_LENGTH: Final = 12  # "sk_test_" + 4 characters
_KEY: Final = re.compile(r"(sk|pk)_(test|live)_([0-9A-Za-z]{32})")


class KeyType(StrEnum):
    SECRET = "secret"  # noqa: S105 - a key type, not a password
    PUBLISHABLE = "publishable"

    @property
    def prefix(self) -> str:
        return "sk" if self is KeyType.SECRET else "pk"


class ParsedKey(msgspec.Struct, frozen=True, kw_only=True):
    type: KeyType
    environment: Environment


class ApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """A stored key: its hash, a display prefix, and when it stops working."""

    id: str
    merchant_id: str
    environment: Environment
    type: KeyType
    key_hash: str
    display_prefix: str
    created: int
    expires_at: int | None = None
    revoked_at: int | None = None

    def is_active(self, now: float) -> bool:
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.expires_at is None or now < self.expires_at


def parse_key(raw: str) -> ParsedKey | None:
    """The type and environment a key claims by its shape, or None when it is not a key at all."""
    match = _KEY.fullmatch(raw)
    if match is None:
        return None
    kind = KeyType.SECRET if match.group(1) == "sk" else KeyType.PUBLISHABLE
    env = Environment.PRODUCTION if match.group(2) == "live" else Environment.SANDBOX
    return ParsedKey(type=kind, environment=env)


def looks_like_key(raw: str) -> bool:
    """Whether a credential claims to be an API key (``sk_``/``pk_``), well-formed or not."""
    return raw.startswith(("sk_", "pk_"))


def format_key(kind: KeyType, environment: Environment, body: str) -> str:
    if len(body) != KEY_BODY_LENGTH:
        raise ValueError("an API key body has 32 base62 characters")
    return f"{kind.prefix}_{environment.key_infix}_{body}"


def hash_key(raw: str) -> str:
    """SHA-256 hex of the whole key. Keys carry 190 bits of entropy, so a plain hash is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


def display_prefix(raw: str) -> str:
    return raw[:DISPLAY_PREFIX_LENGTH]


def roll_expiry(expires_in: object, now: int) -> int:
    """When the rolled (old) key stops working: now, or after an overlap of at most 7 days."""
    if expires_in is None:
        return now
    if (
        isinstance(expires_in, bool)
        or not isinstance(expires_in, int)
        or not 0 <= expires_in <= MAX_ROLL_OVERLAP_SECONDS
    ):
        raise InvalidParameter(
            "expires_in", f"expires_in must be an integer from 0 to {MAX_ROLL_OVERLAP_SECONDS} seconds."
        )
    return now + expires_in
