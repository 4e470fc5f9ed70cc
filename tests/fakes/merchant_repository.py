"""The fake ``MerchantRepository``: a unit of work sees only its own merchant."""

from __future__ import annotations

from micropay.domain.model.merchant import Merchant
from tests.fakes.database import SchemaViolation
from tests.fakes.session import Session


class FakeMerchantRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, merchant: Merchant) -> None:
        self._s.check()
        if merchant.id != self._s.tenant.merchant_id:
            raise SchemaViolation("row-level security refuses adding another merchant")
        if merchant.id in self._s.staging.merchants or merchant.id in self._s.db.merchants:
            raise SchemaViolation(f"duplicate merchant id {merchant.id}")
        self._s.staging.merchants[merchant.id] = merchant

    async def get(self) -> Merchant | None:
        self._s.check()
        merchant_id = self._s.tenant.merchant_id
        return self._s.staging.merchants.get(merchant_id) or self._s.db.merchants.get(merchant_id)
