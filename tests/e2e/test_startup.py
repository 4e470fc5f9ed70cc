"""A wrong or missing master key stops the service at start-up, loudly, without echoing the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

from micropay.adapters.vault import VaultKeyInvalid
from micropay.entrypoints.http.app import create_app
from micropay.entrypoints.settings import Settings, SettingsError

BAD_KEY = "bm90LTMyLWJ5dGVz"  # base64 of "not-32-bytes"


def _start(settings: Settings) -> None:
    with TestClient(create_app(settings, configure_logs=False)) as client:
        client.get("/healthz")


def _startup_error(settings: Settings) -> BaseException:
    """The error start-up fails with (unwrapped from the lifespan's exception group)."""
    try:
        _start(settings)
    except BaseExceptionGroup as group:
        leaves = []
        pending: list[BaseException] = [group]
        while pending:
            item = pending.pop()
            if isinstance(item, BaseExceptionGroup):
                pending.extend(item.exceptions)
            else:
                leaves.append(item)
        assert len(leaves) == 1
        return leaves[0]
    except Exception as exc:
        return exc
    raise AssertionError("the service started")


def test_a_malformed_master_key_refuses_to_start(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db", vault_key=BAD_KEY)

    error = _startup_error(settings)

    assert isinstance(error, VaultKeyInvalid)
    assert "MICROPAY_VAULT_KEY" in str(error)
    assert BAD_KEY not in str(error)


def test_postgres_without_a_master_key_refuses_to_start() -> None:
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")

    error = _startup_error(settings)

    assert isinstance(error, SettingsError)
    assert "MICROPAY_VAULT_KEY is required" in str(error)


def test_the_embedded_default_creates_a_private_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _start(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db"))

    key_file = tmp_path / ".micropay" / "vault.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
