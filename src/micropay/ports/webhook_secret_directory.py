from __future__ import annotations

from typing import Protocol

from micropay.domain.model.environment import Tenant


class WebhookSecretDirectory(Protocol):
    """The one cross-tenant lookup vault rotation needs for webhook secrets (read-only, ids only)."""

    async def tenants_with_secrets_not_under(self, key_id: str) -> list[Tenant]:
        """Every tenant with an endpoint holding a secret sealed under another master key than ``key_id``."""
        ...
