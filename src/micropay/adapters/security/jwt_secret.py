"""Where the access-token secret comes from: ``MICROPAY_JWT_SECRET``, else (embedded only) a local file."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Final

from micropay.adapters.vault.key_file import ensure_local_key_file

MIN_SECRET_BYTES: Final = 32
FILE_NAME: Final = "jwt.key"


class JwtSecretMissing(ValueError):
    """No usable secret: the message names the variable, never a value."""


def load_jwt_secret(configured: str | None, *, embedded: bool, key_dir: Path) -> bytes:
    """The secret's bytes.

    ``configured`` (MICROPAY_JWT_SECRET) must have at least 32 bytes. Without it, the embedded default keeps
    a random 32-byte secret in ``key_dir/jwt.key`` (mode 0600, made once, beside the vault key file); any
    other deployment refuses to start, because every process must share one secret.
    """
    if configured:
        secret = configured.encode("utf-8")
        if len(secret) < MIN_SECRET_BYTES:
            raise JwtSecretMissing("MICROPAY_JWT_SECRET must be at least 32 bytes (e.g. 32 random bytes, base64).")
        return secret
    if not embedded:
        raise JwtSecretMissing(
            "MICROPAY_JWT_SECRET is required with a Postgres database: at least 32 random bytes "
            '(make one with: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())").'
        )
    return base64.b64decode(ensure_local_key_file(key_dir / FILE_NAME))
