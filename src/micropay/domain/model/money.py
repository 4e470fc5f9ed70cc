"""Amounts in KES minor units (cents). M-Pesa moves whole shillings, so cents must be a multiple of 100."""

from __future__ import annotations

from typing import Final

import msgspec

from micropay.domain.errors import InvalidParameter

CURRENCY: Final = "kes"
MIN_AMOUNT: Final = 100  # KES 1
MAX_AMOUNT: Final = 25_000_000  # KES 250,000 per transaction (Daraja's cap)
CENTS_PER_SHILLING: Final = 100  # an amount is a multiple of it: M-Pesa moves whole shillings


class Money(msgspec.Struct, frozen=True, kw_only=True):
    """A validated amount of KES in minor units."""

    amount: int
    currency: str = CURRENCY

    def __post_init__(self) -> None:
        if self.currency != CURRENCY:
            raise InvalidParameter("currency", f"Invalid currency: {self.currency!r}. Only 'kes' is supported.")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidParameter("amount", "Amount must be an integer of minor units.", "amount_invalid")
        if not MIN_AMOUNT <= self.amount <= MAX_AMOUNT:
            raise InvalidParameter(
                "amount",
                f"Amount must be between {MIN_AMOUNT} and {MAX_AMOUNT} minor units (KES 1 to KES 250,000).",
                "amount_invalid",
            )
        if self.amount % CENTS_PER_SHILLING:
            raise InvalidParameter(
                "amount",
                "Amount must be a multiple of 100: M-Pesa moves whole shillings.",
                "amount_invalid",
            )

    @classmethod
    def kes(cls, amount: int, currency: str = CURRENCY) -> Money:
        """Validate an amount given by a caller; the currency is matched case-insensitively."""
        if not isinstance(currency, str):
            raise InvalidParameter("currency", "Currency must be a string.")
        return cls(amount=amount, currency=currency.lower())

    @property
    def shillings(self) -> int:
        """Whole shillings, the unit Daraja's ``Amount`` uses."""
        return self.amount // 100

    @classmethod
    def from_shillings(cls, shillings: int) -> Money:
        return cls(amount=shillings * 100)
