"""The fake ``ApiKeyRepository`` (hashes only, like the real table)."""

from __future__ import annotations

import msgspec

from micropay.domain.model.api_keys import ApiKey, KeyType
from tests.fakes.database import SchemaViolation
from tests.fakes.session import Session


class FakeApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _visible(self) -> dict[str, ApiKey]:
        rows = {k.id: k for k in self._s.db.api_keys.values() if self._s.owns(k.merchant_id, k.environment)}
        rows.update(self._s.staging.api_keys)
        return rows

    async def add(self, key: ApiKey) -> None:
        self._s.check()
        self._s.require_own(key.merchant_id, key.environment, "api key")
        if key.id in self._s.staging.api_keys or key.id in self._s.db.api_keys:
            raise SchemaViolation(f"duplicate api key id {key.id}")
        self._s.staging.api_keys[key.id] = key
        self._s.staging.new_api_keys.add(key.id)

    async def active(self, key_type: KeyType, now: float) -> list[ApiKey]:
        self._s.check()
        keys = (k for k in self._visible().values() if k.type is key_type and k.is_active(now))
        return sorted(keys, key=lambda k: (k.created, k.id))

    async def set_expiry(self, key_id: str, expires_at: int) -> None:
        """Like an SQL UPDATE: an unknown (or another tenant's) key is left alone silently."""
        self._s.check()
        key = self._visible().get(key_id)
        if key is not None:
            self._s.staging.api_keys[key_id] = msgspec.structs.replace(key, expires_at=expires_at)
