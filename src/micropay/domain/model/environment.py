"""Sandbox and production live side by side; every tenant row belongs to one merchant and one environment."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Environment(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"

    @property
    def livemode(self) -> bool:
        return self is Environment.PRODUCTION

    @property
    def key_infix(self) -> str:
        """``test`` or ``live``: the middle of an API key (``sk_test_…``)."""
        return "live" if self.livemode else "test"


class Tenant(msgspec.Struct, frozen=True, kw_only=True):
    """Whose data a unit of work may touch: one merchant in one environment."""

    merchant_id: str
    environment: Environment
