"""Merchant accounts on SQL; a unit of work sees only its own merchant."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.mapping import merchant_from_domain, merchant_to_domain
from micropay.adapters.persistence.rows import MERCHANTS
from micropay.domain.model.environment import Tenant
from micropay.domain.model.merchant import Merchant
from micropay.ports.merchant_repository import MerchantRepository

_INSERT: Final = insert(MERCHANTS)
_GET: Final = select(MERCHANTS).where(MERCHANTS.c.id == bindparam("t_merchant"))


class SqlaMerchantRepository(MerchantRepository):
    def __init__(self, connection: AsyncConnection, tenant: Tenant) -> None:
        self._connection = connection
        self._merchant_id = tenant.merchant_id

    async def add(self, merchant: Merchant) -> None:
        if merchant.id != self._merchant_id:
            raise ValueError("A merchant can only be added by its own unit of work.")
        with storage_errors("create a merchant"):
            await self._connection.execute(_INSERT, merchant_from_domain(merchant))

    async def get(self) -> Merchant | None:
        with storage_errors("read the merchant"):
            result = await self._connection.execute(_GET, {"t_merchant": self._merchant_id})
            row = result.mappings().first()
        return merchant_to_domain(row) if row is not None else None
