from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from micropay.adapters.vault import (
    VaultKeyFileUnsafe,
    VaultKeyInvalid,
    ensure_local_key_file,
    load_master_keys,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The key file must be 0600 whatever the umask, even one that lets everyone read new files."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("permissive_umask")
def test_a_missing_key_file_is_created_0600_with_a_new_random_key(tmp_path: Path) -> None:
    path = tmp_path / ".micropay" / "vault.key"
    key = ensure_local_key_file(path)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert path.read_text().strip() == key
    assert len(base64.b64decode(key, validate=True)) == 32
    assert load_master_keys(key, None).current.material == base64.b64decode(key)


def test_an_existing_key_file_is_reused(tmp_path: Path) -> None:
    path = tmp_path / "vault.key"
    first = ensure_local_key_file(path)
    content = path.read_bytes()
    assert ensure_local_key_file(path) == first
    assert path.read_bytes() == content
    assert ensure_local_key_file(tmp_path / "other.key") != first


def test_a_key_file_written_by_hand_is_read_in_canonical_form(tmp_path: Path) -> None:
    raw = os.urandom(32)
    path = tmp_path / "vault.key"
    path.write_text("\n  " + base64.urlsafe_b64encode(raw).decode().rstrip("=") + "  \n\n")
    path.chmod(0o400)
    assert ensure_local_key_file(path) == base64.b64encode(raw).decode()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o606, 0o610, 0o601, 0o777])
def test_a_key_file_that_others_may_access_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "vault.key"
    key = ensure_local_key_file(path)
    path.chmod(mode)
    with pytest.raises(VaultKeyFileUnsafe) as caught:
        ensure_local_key_file(path)
    message = str(caught.value)
    assert f"{mode:04o}" in message
    assert f"chmod 600 {path}" in message
    assert key not in message
    assert isinstance(caught.value, VaultKeyInvalid)


def test_a_symlink_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "real.key"
    ensure_local_key_file(target)
    link = tmp_path / "vault.key"
    link.symlink_to(target)
    with pytest.raises(VaultKeyFileUnsafe, match="regular file"):
        ensure_local_key_file(link)


def test_a_directory_in_place_of_the_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "vault.key"
    path.mkdir(mode=0o700)
    with pytest.raises(VaultKeyFileUnsafe, match="not a regular file"):
        ensure_local_key_file(path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty"),
        (b"\n", "is empty"),
        (b"hunter2-not-a-key!", "is not valid base64"),
        (base64.b64encode(b"sixteen byte key"), "decodes to 16 bytes"),
        ("clé secrète".encode(), "does not hold a base64 key"),
    ],
)
def test_a_malformed_key_file_is_refused_without_echoing_it(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "vault.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(VaultKeyInvalid) as caught:
        ensure_local_key_file(path)
    message = str(caught.value)
    assert problem in message
    assert str(path) in message
    if content.strip():
        assert content.strip().decode(errors="replace") not in message
