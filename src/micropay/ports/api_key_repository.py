from __future__ import annotations

from typing import Protocol

from micropay.domain.model.api_keys import ApiKey, KeyType


class ApiKeyRepository(Protocol):
    """The tenant's API keys (hashes only)."""

    async def add(self, key: ApiKey) -> None: ...

    async def active(self, key_type: KeyType, now: float) -> list[ApiKey]:
        """Keys of this type that still work at ``now``."""
        ...

    async def set_expiry(self, key_id: str, expires_at: int) -> None:
        """Make a key stop working at ``expires_at`` (now, for an immediate revocation)."""
        ...
