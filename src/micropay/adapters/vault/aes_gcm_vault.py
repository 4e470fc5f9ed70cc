"""The credential vault on AES-256-GCM (``cryptography``'s AESGCM), with key rotation by key id."""

from __future__ import annotations

import base64
import binascii
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from micropay.adapters.vault.keys import MasterKeys
from micropay.ports.credential_vault import CredentialVault, Sealed, VaultError

NONCE_BYTES: Final = 12  # 96 bits: GCM's native nonce size
TAG_BYTES: Final = 16
_SHOWN_KEY_ID_CHARS: Final = 40


class AesGcmVault(CredentialVault):
    """Seals under the current master key with a fresh random nonce; opens under whichever key sealed.

    ``encrypted_blob`` is base64 of ``ciphertext || tag`` (what AESGCM.encrypt returns), ``iv`` is base64
    of the 96-bit nonce. Every failure to open is a ``VaultError`` whose message holds no key material and
    no plaintext. Random nonces are safe here: a key seals far fewer than 2**32 blobs before rotation.
    """

    def __init__(self, keys: MasterKeys) -> None:
        self._current_key_id = keys.current.key_id
        self._ciphers = {key.key_id: AESGCM(key.material) for key in keys}
        self._key_ids = keys.key_ids

    @property
    def current_key_id(self) -> str:
        """The id of the key new blobs are sealed under."""
        return self._current_key_id

    def seal(self, plaintext: bytes, associated_data: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        blob = self._ciphers[self._current_key_id].encrypt(nonce, plaintext, associated_data)
        return Sealed(encrypted_blob=_encode(blob), iv=_encode(nonce), key_id=self._current_key_id)

    def open(self, sealed: Sealed, associated_data: bytes) -> bytes:
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise VaultError(
                f"The blob was sealed under master key {sealed.key_id[:_SHOWN_KEY_ID_CHARS]!r}, which is not "
                "configured: list that key in MICROPAY_VAULT_OLD_KEYS until `micropay vault rotate` has run."
            )
        nonce = _decode(sealed.iv, "iv")
        blob = _decode(sealed.encrypted_blob, "encrypted_blob")
        if len(nonce) != NONCE_BYTES:
            raise VaultError(f"The iv must be {NONCE_BYTES} bytes, got {len(nonce)}.")
        if len(blob) < TAG_BYTES:
            raise VaultError("The encrypted_blob is shorter than an authentication tag.")
        try:
            return cipher.decrypt(nonce, blob, associated_data)
        except InvalidTag:
            raise VaultError(
                "The blob failed authentication: it was altered, or it belongs to another merchant or environment."
            ) from None

    def needs_rotation(self, sealed: Sealed) -> bool:
        return sealed.key_id != self._current_key_id

    def __repr__(self) -> str:
        return f"AesGcmVault(current_key_id={self._current_key_id!r}, key_ids={self._key_ids!r})"


def _encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _decode(text: str, field: str) -> bytes:
    """Strict base64: only the canonical encoding is accepted, so no two texts open as the same blob."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise VaultError(f"The {field} is not valid base64.") from None
    if _encode(raw) != text:
        raise VaultError(f"The {field} is not canonical base64.")
    return raw
