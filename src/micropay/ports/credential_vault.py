from __future__ import annotations

from typing import Protocol

import msgspec

from micropay.domain.errors import MicropayError


class VaultError(MicropayError):
    """A blob could not be sealed or opened (wrong key, tampering, or a blob moved to another tenant).

    The message never contains plaintext or key material.
    """

    code = "vault_error"


class Sealed(msgspec.Struct, frozen=True, kw_only=True):
    encrypted_blob: str  # base64(ciphertext || tag)
    iv: str  # base64(96-bit nonce)
    key_id: str


class CredentialVault(Protocol):
    """Authenticated encryption of merchant secrets (AES-256-GCM in production)."""

    @property
    def current_key_id(self) -> str:
        """The id of the master key new seals use."""
        ...

    def seal(self, plaintext: bytes, associated_data: bytes) -> Sealed:
        """Encrypt under the current master key with a fresh random nonce."""
        ...

    def open(self, sealed: Sealed, associated_data: bytes) -> bytes:
        """Decrypt with the key named by ``sealed.key_id``; raises ``VaultError`` on any failure."""
        ...

    def needs_rotation(self, sealed: Sealed) -> bool:
        """True when ``sealed`` is not under the current master key."""
        ...
