"""The fake ``CredentialVault``: reversible, authenticated with the associated data, not secure at all."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from micropay.ports.credential_vault import CredentialVault, Sealed, VaultError

_TAG = 16


def _keystream(key_id: str, nonce: bytes, length: int) -> bytes:
    blocks = (hashlib.sha256(f"{key_id}:{i}:".encode() + nonce).digest() for i in range(length // 32 + 1))
    return b"".join(blocks)[:length]


def _tag(key_id: str, nonce: bytes, associated_data: bytes, plaintext: bytes) -> bytes:
    material = b"\x00".join((key_id.encode(), nonce, associated_data, plaintext))
    return hashlib.sha256(material).digest()[:_TAG]


class FakeVault:
    """Seals under ``current_key_id``; opens anything sealed under a key in ``known_key_ids``.

    The blob does not contain the plaintext in the clear (tests may assert that a secret is not stored
    readable). ``open`` raises ``VaultError`` for another associated data, a tampered blob or an unknown key.
    """

    def __init__(self, current_key_id: str = "key-1", known_key_ids: frozenset[str] | None = None) -> None:
        self.current_key_id = current_key_id
        self.known_key_ids = set(known_key_ids or ()) | {current_key_id}
        self._nonces = 0

    def rotate_to(self, key_id: str) -> None:
        """A new current key; the old ones stay known so that old blobs can be re-sealed."""
        self.known_key_ids.add(key_id)
        self.current_key_id = key_id

    def forget(self, key_id: str) -> None:
        self.known_key_ids.discard(key_id)

    def seal(self, plaintext: bytes, associated_data: bytes) -> Sealed:
        self._nonces += 1
        nonce = self._nonces.to_bytes(12, "big")
        key_id = self.current_key_id
        body = bytes(a ^ b for a, b in zip(plaintext, _keystream(key_id, nonce, len(plaintext)), strict=True))
        blob = body + _tag(key_id, nonce, associated_data, plaintext)
        return Sealed(
            encrypted_blob=base64.b64encode(blob).decode(), iv=base64.b64encode(nonce).decode(), key_id=key_id
        )

    def open(self, sealed: Sealed, associated_data: bytes) -> bytes:
        if sealed.key_id not in self.known_key_ids:
            raise VaultError("The blob was sealed under an unknown master key.")
        try:
            blob = base64.b64decode(sealed.encrypted_blob, validate=True)
            nonce = base64.b64decode(sealed.iv, validate=True)
        except (binascii.Error, ValueError):
            raise VaultError("The sealed blob is not valid base64.") from None
        if len(blob) < _TAG:
            raise VaultError("The sealed blob is too short.")
        body, tag = blob[:-_TAG], blob[-_TAG:]
        plaintext = bytes(a ^ b for a, b in zip(body, _keystream(sealed.key_id, nonce, len(body)), strict=True))
        if not hmac.compare_digest(tag, _tag(sealed.key_id, nonce, associated_data, plaintext)):
            raise VaultError("The sealed blob failed authentication.")
        return plaintext

    def needs_rotation(self, sealed: Sealed) -> bool:
        return sealed.key_id != self.current_key_id


_: CredentialVault = FakeVault()
