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

    async def reseal(self, expected_key_id: str, sealed: Sealed) -> bool:
        """Replace only the sealed secret, only if the row is still under ``expected_key_id``.

        A compare-and-swap for key rotation: False (nothing written) when the row is gone or was
        re-sealed or replaced meanwhile, so a concurrent update by the merchant is never overwritten.
        """
        ...

    async def delete(self) -> bool:
        """Remove the tenant's row; False when there was none."""
        ...
