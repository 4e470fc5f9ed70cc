from __future__ import annotations

from typing import Protocol

import msgspec

from micropay.domain.model.credentials import CredentialsView
from micropay.ports.credential_vault import Sealed


class StoredCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """A credentials row: the sealed secret plus the non-secret fields of the masked view."""

    sealed: Sealed
    view: CredentialsView


class CredentialRepository(Protocol):
    """The tenant's Daraja credentials (one row per merchant and environment)."""

    async def get(self) -> StoredCredentials | None: ...

    async def put(self, stored: StoredCredentials) -> None:
        """Insert or replace the tenant's row."""
        ...

    async def delete(self) -> bool:
        """Remove the tenant's row; False when there was none."""
        ...
