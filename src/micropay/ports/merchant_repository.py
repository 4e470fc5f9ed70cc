from __future__ import annotations

from typing import Protocol

from micropay.domain.model.merchant import Merchant


class MerchantRepository(Protocol):
    """Merchant accounts. Only the unit of work of that merchant may add or read it."""

    async def add(self, merchant: Merchant) -> None: ...

    async def get(self) -> Merchant | None:
        """The unit of work's own merchant."""
        ...
