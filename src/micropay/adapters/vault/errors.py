"""Errors of the vault's configuration (errors of sealing and opening are the port's ``VaultError``)."""

from __future__ import annotations

from typing import Final

from micropay.domain.errors import MicropayError

HOW_TO_MAKE_A_KEY: Final = (
    'Make one with: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"'
)


class VaultKeyInvalid(MicropayError):
    """A master key is missing or malformed, or its key file is unsafe. The service must not start.

    The message says what is wrong and how to fix it; it never repeats the value it was given.
    """

    code = "vault_key_invalid"


class VaultKeyFileUnsafe(VaultKeyInvalid):
    """The local key file can be read by others (or is not a regular file), so it is not used."""

    code = "vault_key_file_unsafe"
