from __future__ import annotations

from typing import Protocol

import msgspec

from micropay.domain.model.webhooks import WebhookEndpoint
from micropay.ports.credential_vault import Sealed


class SealedSecret(msgspec.Struct, frozen=True, kw_only=True):
    """One signing secret as stored: sealed by the vault, and when it stops signing (None: until rotated)."""

    sealed: Sealed
    expires_at: int | None = None


class StoredEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    endpoint: WebhookEndpoint
    secrets: tuple[SealedSecret, ...]


class WebhookEndpointRepository(Protocol):
    """The tenant's webhook endpoints (one unit of work's view; other tenants' rows are invisible)."""

    async def get(self, endpoint_id: str, *, for_update: bool = False) -> StoredEndpoint | None:
        """``for_update``: lock the row until the transaction ends (a read-modify-write of its failure streak)."""
        ...

    async def list(self, *, limit: int, starting_after: str | None = None) -> list[WebhookEndpoint]:
        """Newest first; ``limit`` rows at most."""
        ...

    async def put(self, stored: StoredEndpoint) -> None:
        """Insert the endpoint, or replace every field and the secrets of the existing row with that id."""
        ...

    async def delete(self, endpoint_id: str) -> bool:
        """Remove the endpoint and its deliveries; False when there was none."""
        ...
