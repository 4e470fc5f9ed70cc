"""Safaricom subscriber numbers (MSISDN), normalised to the 12 digits Daraja expects."""

from __future__ import annotations

import re
from typing import Final

import msgspec

from micropay.domain.errors import InvalidParameter

_CANONICAL: Final = re.compile(r"2547\d{8}|2541\d{8}", re.ASCII)  # ASCII: \d would take any digit
_IGNORED: Final = re.compile(r"[\s\-]")
_CODE: Final = "phone_number_invalid"


class Msisdn(msgspec.Struct, frozen=True):
    """A Kenyan mobile number as ``2547XXXXXXXX`` or ``2541XXXXXXXX``."""

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not _CANONICAL.fullmatch(self.value):
            raise InvalidParameter(
                "phone_number", "Phone number must be 12 digits: 2547XXXXXXXX or 2541XXXXXXXX.", _CODE
            )

    @classmethod
    def parse(cls, raw: str, param: str = "phone_number") -> Msisdn:
        """Accept ``07…``, ``01…``, ``+2547…``, ``2547…``, ``2541…`` (spaces and dashes ignored)."""
        if not isinstance(raw, str):
            raise InvalidParameter(param, "Phone number must be a string.", _CODE)
        digits = _IGNORED.sub("", raw)
        if digits.startswith("+"):
            digits = digits[1:]
            if not digits.startswith("254"):
                raise InvalidParameter(param, "Only Kenyan (+254) numbers can pay with M-Pesa.", _CODE)
        if len(digits) == 10 and digits[:2] in ("07", "01"):
            digits = "254" + digits[1:]
        if not digits.isascii() or not _CANONICAL.fullmatch(digits):
            raise InvalidParameter(
                param,
                "Invalid phone number: use 07XXXXXXXX, 01XXXXXXXX, +2547XXXXXXXX or 2547XXXXXXXX.",
                _CODE,
            )
        return cls(digits)

    @property
    def masked(self) -> str:
        """``2547*****678``: enough for a customer to recognise, not enough to leak."""
        return f"{self.value[:4]}*****{self.value[-3:]}"

    def __str__(self) -> str:
        return self.value
