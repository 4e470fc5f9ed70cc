"""Realistic Daraja identifiers (docs/simulator.md), repeatable for a given seed."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

NAIROBI: Final = timezone(timedelta(hours=3), "EAT")
_HEX: Final = "0123456789abcdef"
_UPPER: Final = string.ascii_uppercase
_ALNUM_UPPER: Final = string.ascii_uppercase + string.digits
_TOKEN_ALPHABET: Final = string.ascii_letters + string.digits


def nairobi(now: float, fmt: str) -> str:
    return datetime.fromtimestamp(now, tz=UTC).astimezone(NAIROBI).strftime(fmt)


class IdFactory:
    """Not for security: the simulator's tokens only need to be distinct, not unguessable."""

    def __init__(self, seed: int | None) -> None:
        self._rng = random.Random(seed)
        self._sequence = 0

    def _pick(self, alphabet: str, length: int) -> str:
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def _digits(self, length: int) -> str:
        return self._pick(string.digits, length)

    def access_token(self) -> str:
        """28 characters, like Daraja's."""
        return self._pick(_TOKEN_ALPHABET, 28)

    def request_id(self) -> str:
        """``2ba8-4165-beca-292db11f9ef8358609``: hex groups followed by digits."""
        return (
            f"{self._pick(_HEX, 4)}-{self._pick(_HEX, 4)}-{self._pick(_HEX, 4)}-{self._pick(_HEX, 12)}{self._digits(6)}"
        )

    def merchant_request_id(self) -> str:
        """``2654-4b64-97ff-b827b542881d3130``."""
        return (
            f"{self._pick(_HEX, 4)}-{self._pick(_HEX, 4)}-{self._pick(_HEX, 4)}-{self._pick(_HEX, 12)}{self._digits(4)}"
        )

    def checkout_request_id(self, now: float, phone_number: str) -> str:
        """``ws_CO_`` + DDMMYYYYHHmmss (Nairobi) + a 3-digit sequence + the payer's 9 digits."""
        self._sequence = (self._sequence + 1) % 1000
        return f"ws_CO_{nairobi(now, '%d%m%Y%H%M%S')}{self._sequence:03d}{phone_number[-9:]}"

    def receipt_number(self) -> str:
        """10 uppercase alphanumerics starting with a letter, like ``NLJ7RT61SV``."""
        return self._pick(_UPPER, 1) + self._pick(_ALNUM_UPPER, 9)
