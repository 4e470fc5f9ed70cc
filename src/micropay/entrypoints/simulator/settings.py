"""Settings of the Daraja simulator (``MICROPAY_SIM_*``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import msgspec

#: Safaricom's public sandbox shortcode and passkey (they decode out of the portal's sample Password).
SANDBOX_SHORT_CODE: Final = "174379"
SANDBOX_PASSKEY: Final = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
_SHORT_CODE: Final = re.compile(r"\d{5,7}")


class SimulatorSettings(msgspec.Struct, frozen=True, kw_only=True):
    """``callback_delay_ms``: wait before a callback is POSTed (and before the query reports the outcome).
    ``hold_ms``: how long the answer to a push for 254711000504 is held back.
    ``merchants``: extra ``shortcode -> passkey`` pairs (174379 with the sandbox passkey is always there).
    ``seed``: makes generated ids and tokens repeatable.
    """

    callback_delay_ms: int = 2000
    hold_ms: int = 30000
    merchants: dict[str, str] = msgspec.field(default_factory=dict)
    seed: int | None = None
    token_ttl_s: int = 3599

    def __post_init__(self) -> None:
        if self.callback_delay_ms < 0 or self.hold_ms < 0 or self.token_ttl_s <= 0:
            raise ValueError("simulator delays must be >= 0 ms and the token lifetime > 0 s")
        for short_code, passkey in self.merchants.items():
            if not _SHORT_CODE.fullmatch(short_code) or not passkey:
                raise ValueError(f"a simulator merchant needs a 5-7 digit shortcode and a passkey ({short_code!r})")

    def __repr__(self) -> str:
        return (
            f"SimulatorSettings(callback_delay_ms={self.callback_delay_ms}, hold_ms={self.hold_ms}, "
            f"merchants={sorted(self.all_merchants)}, seed={self.seed})"
        )

    @property
    def all_merchants(self) -> dict[str, str]:
        return {SANDBOX_SHORT_CODE: SANDBOX_PASSKEY, **self.merchants}

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SimulatorSettings:
        """Read ``MICROPAY_SIM_CALLBACK_DELAY_MS``, ``MICROPAY_SIM_HOLD_MS``, ``MICROPAY_SIM_MERCHANTS``
        (``"shortcode:passkey,..."``) and ``MICROPAY_SIM_SEED``; ``ValueError`` names the bad variable."""
        delay = _int(environ, "MICROPAY_SIM_CALLBACK_DELAY_MS")
        hold = _int(environ, "MICROPAY_SIM_HOLD_MS")
        return cls(
            callback_delay_ms=2000 if delay is None else delay,
            hold_ms=30000 if hold is None else hold,
            merchants=_merchants(environ.get("MICROPAY_SIM_MERCHANTS", "")),
            seed=_int(environ, "MICROPAY_SIM_SEED"),
        )


def _int(environ: Mapping[str, str], name: str) -> int | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def _merchants(raw: str) -> dict[str, str]:
    merchants: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        short_code, sep, passkey = entry.partition(":")
        if not sep or not _SHORT_CODE.fullmatch(short_code.strip()) or not passkey.strip():
            raise ValueError("MICROPAY_SIM_MERCHANTS must look like 'shortcode:passkey,shortcode:passkey'")
        merchants[short_code.strip()] = passkey.strip()
    return merchants
