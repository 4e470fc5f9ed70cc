"""A merchant account: the tenant that owns intents, keys and credentials in both environments."""

from __future__ import annotations

import msgspec


class Merchant(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    email: str | None
    created: int
