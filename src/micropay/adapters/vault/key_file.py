"""The local key file that ``make run`` uses when no ``MICROPAY_VAULT_KEY`` is given (embedded default)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from micropay.adapters.vault.errors import VaultKeyFileUnsafe, VaultKeyInvalid
from micropay.adapters.vault.keys import KEY_BYTES, MasterKey, parse_key

DEFAULT_KEY_FILE: Final = Path(".micropay") / "vault.key"
_FILE_MODE: Final = 0o600
_DIR_MODE: Final = 0o700
_MAX_FILE_BYTES: Final = 4096


def ensure_local_key_file(path: Path) -> str:
    """Return the base64 master key kept in ``path``, creating the file with a new random key if missing.

    The file is created atomically with mode 0600 (``O_CREAT | O_EXCL``), so no other user can ever read it
    and two processes never both write a key. An existing file that is not a regular file, or that its group
    or others may access, is refused with ``VaultKeyFileUnsafe``; a malformed one with ``VaultKeyInvalid``.
    """
    try:
        return _create(path)
    except FileExistsError:
        return _read(path)


def _create(path: Path) -> str:
    path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _FILE_MODE)
    key = MasterKey(os.urandom(KEY_BYTES)).to_base64()
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        # Never leave an empty or partial key file behind: the next start would refuse it.
        path.unlink(missing_ok=True)
        raise
    return key


def _read(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise VaultKeyFileUnsafe(
            f"The vault key file {path} cannot be opened ({exc.strerror}); it must be a regular file, not a link."
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise VaultKeyFileUnsafe(f"The vault key file {path} is not a regular file.")
        if info.st_mode & 0o077:
            raise VaultKeyFileUnsafe(
                f"The vault key file {path} has mode {stat.S_IMODE(info.st_mode):04o}; other users could read "
                f"the master key. Run `chmod 600 {path}` (and consider the key exposed: rotate it)."
            )
        content = os.read(fd, _MAX_FILE_BYTES)
    finally:
        os.close(fd)
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        raise VaultKeyInvalid(f"The vault key file {path} does not hold a base64 key.") from None
    return parse_key(text, source=f"The vault key file {path}").to_base64()
