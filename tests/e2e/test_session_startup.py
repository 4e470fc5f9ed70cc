"""The access-token secret: required outside the embedded default, generated beside the vault key in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from micropay.entrypoints.settings import Settings, SettingsError
from tests.e2e.harness import new_vault_key
from tests.e2e.test_startup import _start, _startup_error


def test_postgres_without_a_token_secret_refuses_to_start() -> None:
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", vault_key=new_vault_key())

    error = _startup_error(settings)

    assert isinstance(error, SettingsError)
    assert "MICROPAY_JWT_SECRET is required" in str(error)


def test_a_short_token_secret_refuses_to_start_without_echoing_it(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db", jwt_secret="too-short-secret")

    error = _startup_error(settings)

    assert isinstance(error, SettingsError)
    assert "at least 32 bytes" in str(error)
    assert "too-short-secret" not in str(error)


def test_the_embedded_default_keeps_the_secret_beside_the_vault_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    keys = tmp_path / "keys"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db", vault_key_file=str(keys / "vault.key"))

    _start(settings)
    first = (keys / "jwt.key").read_text()
    _start(settings)

    assert (keys / "jwt.key").stat().st_mode & 0o777 == 0o600
    assert (keys / "jwt.key").read_text() == first  # kept across restarts: sessions survive them
    assert not (tmp_path / ".micropay" / "jwt.key").exists()
