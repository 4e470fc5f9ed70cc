"""API keys (hashes only) on SQL."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.mapping import api_key_from_domain, api_key_to_domain
from micropay.adapters.persistence.rows import API_KEYS
from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.environment import Tenant
from micropay.ports.api_key_repository import ApiKeyRepository

_C = API_KEYS.c
_IN_TENANT: Final = (_C.merchant_id == bindparam("t_merchant"), _C.environment == bindparam("t_env"))
_INSERT: Final = insert(API_KEYS)
_OF_TYPE: Final = select(API_KEYS).where(*_IN_TENANT, _C.type == bindparam("t_type")).order_by(_C.created, _C.id)
_SET_EXPIRY: Final = update(API_KEYS).where(_C.id == bindparam("t_id"), *_IN_TENANT).values(expires_at=bindparam("v"))


class SqlaApiKeyRepository(ApiKeyRepository):
    def __init__(self, connection: AsyncConnection, tenant: Tenant) -> None:
        self._connection = connection
        self._tenant = {"t_merchant": tenant.merchant_id, "t_env": tenant.environment.value}

    async def add(self, key: ApiKey) -> None:
        if (key.merchant_id, key.environment.value) != (self._tenant["t_merchant"], self._tenant["t_env"]):
            raise ValueError("An API key can only be written by the unit of work of its own tenant.")
        with storage_errors("store an API key"):
            await self._connection.execute(_INSERT, api_key_from_domain(key))

    async def active(self, key_type: KeyType, now: float) -> list[ApiKey]:
        """Oldest first; the rule of what is active is the domain's (``ApiKey.is_active``)."""
        with storage_errors("read API keys"):
            result = await self._connection.execute(_OF_TYPE, {"t_type": key_type.value, **self._tenant})
            rows = result.mappings().all()
        keys = (api_key_to_domain(row) for row in rows)
        return [key for key in keys if key.is_active(now)]

    async def set_expiry(self, key_id: str, expires_at: int) -> None:
        with storage_errors("expire an API key"):
            await self._connection.execute(_SET_EXPIRY, {"t_id": key_id, "v": expires_at, **self._tenant})
