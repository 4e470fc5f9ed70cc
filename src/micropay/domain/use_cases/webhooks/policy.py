from __future__ import annotations

import msgspec


class WebhookPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Operator choices: private targets (local development only) and how long an attempt's lease lasts."""

    allow_private: bool = False
    lease_seconds: int = 60
