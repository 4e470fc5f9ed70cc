"""Master keys: 32 random bytes each, named by a key id derived from (but never revealing) the key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterator
from typing import Final, NoReturn, final

from micropay.adapters.vault.errors import HOW_TO_MAKE_A_KEY, VaultKeyInvalid

KEY_BYTES: Final = 32
CURRENT_KEY_VAR: Final = "MICROPAY_VAULT_KEY"
OLD_KEYS_VAR: Final = "MICROPAY_VAULT_OLD_KEYS"
# Domain separation: the key id is a hash of the key that no other use of the key ever produces.
_KEY_ID_DOMAIN: Final = b"micropay/vault/key-id/v1\x00"
_KEY_ID_HEX_CHARS: Final = 12


def derive_key_id(material: bytes) -> str:
    """``k_`` + 12 hex characters (48 bits) of a domain-separated SHA-256 of the key."""
    return "k_" + hashlib.sha256(_KEY_ID_DOMAIN + material).hexdigest()[:_KEY_ID_HEX_CHARS]


@final
class MasterKey:
    """One AES-256 key. Its repr, str and pickled form never contain the key bytes."""

    __slots__ = ("_material", "key_id")

    def __init__(self, material: bytes) -> None:
        if len(material) != KEY_BYTES:
            raise VaultKeyInvalid(f"A vault master key must be exactly {KEY_BYTES} bytes. {HOW_TO_MAKE_A_KEY}")
        self._material = bytes(material)
        self.key_id: str = derive_key_id(self._material)

    @property
    def material(self) -> bytes:
        """The raw key, for the cipher only."""
        return self._material

    def to_base64(self) -> str:
        return base64.b64encode(self._material).decode("ascii")

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self.key_id!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MasterKey):
            return NotImplemented
        return hmac.compare_digest(self._material, other._material)

    def __hash__(self) -> int:
        return hash(self.key_id)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a MasterKey cannot be pickled or copied")


@final
class MasterKeys:
    """The current key (seals everything new) and the old keys still accepted when opening.

    Old keys equal to the current key, or listed twice, are dropped.
    """

    __slots__ = ("_by_id", "current", "old")

    def __init__(self, current: MasterKey, old: tuple[MasterKey, ...] = ()) -> None:
        self.current = current
        kept: dict[str, MasterKey] = {current.key_id: current}
        for key in old:
            kept.setdefault(key.key_id, key)
        self.old: tuple[MasterKey, ...] = tuple(key for key_id, key in kept.items() if key_id != current.key_id)
        self._by_id = kept

    def __iter__(self) -> Iterator[MasterKey]:
        """The current key first, then the old keys."""
        return iter(self._by_id.values())

    def by_id(self, key_id: str) -> MasterKey | None:
        return self._by_id.get(key_id)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def __repr__(self) -> str:
        old = ", ".join(repr(key.key_id) for key in self.old)
        return f"MasterKeys(current={self.current.key_id!r}, old=({old}{',' if len(self.old) == 1 else ''}))"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("MasterKeys cannot be pickled or copied")


def parse_key(text: str, *, source: str) -> MasterKey:
    """One key from base64 (standard or URL-safe alphabet, padding optional, surrounding whitespace ignored).

    ``source`` names where the text came from, for the error message; the text itself is never echoed.
    """
    compact = text.strip()
    if not compact:
        _invalid(f"{source} is empty.")
    if ("-" in compact or "_" in compact) and ("+" in compact or "/" in compact):
        _invalid(f"{source} mixes the standard and URL-safe base64 alphabets.")
    normalized = compact.replace("-", "+").replace("_", "/")
    normalized += "=" * (-len(normalized) % 4)
    try:
        material = base64.b64decode(normalized, validate=True)
    except (binascii.Error, ValueError):
        _invalid(f"{source} is not valid base64.")
    if len(material) != KEY_BYTES:
        _invalid(f"{source} decodes to {len(material)} bytes; a master key must be exactly {KEY_BYTES} bytes.")
    return MasterKey(material)


def load_master_keys(current: str | None, old: str | None) -> MasterKeys:
    """Parse ``MICROPAY_VAULT_KEY`` and ``MICROPAY_VAULT_OLD_KEYS`` (comma-separated); raises ``VaultKeyInvalid``."""
    if current is None or not current.strip():
        _invalid(f"{CURRENT_KEY_VAR} is not set; the vault needs a base64-encoded {KEY_BYTES}-byte master key.")
    current_key = parse_key(current, source=CURRENT_KEY_VAR)
    old_keys: list[MasterKey] = []
    if old is not None and old.strip():
        for position, item in enumerate(old.split(","), start=1):
            if item.strip():
                old_keys.append(parse_key(item, source=f"{OLD_KEYS_VAR} (entry {position})"))
    return MasterKeys(current_key, tuple(old_keys))


def _invalid(problem: str) -> NoReturn:
    # ``from None``: the decoder's own exception must not ride along in tracebacks.
    raise VaultKeyInvalid(f"{problem} {HOW_TO_MAKE_A_KEY}") from None
