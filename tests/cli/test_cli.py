"""The ``micropay`` command, run in a scratch directory on the embedded SQLite database."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from pathlib import Path

import pytest

from micropay.domain.model.api_keys import parse_key
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.use_cases.credentials import CredentialResolver, SetCredentials
from micropay.entrypoints.cli import main, request_scope
from micropay.entrypoints.settings import Settings
from micropay.ports.unit_of_work import UnitOfWorkFactory


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("MICROPAY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MICROPAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    return tmp_path


def test_db_upgrade_then_merchants_create_prints_both_environments_keys_once(
    scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["merchants", "create", "--name", "Duka", "--email", "owner@duka.example"]) == 0

    printed = json.loads(capsys.readouterr().out.split("database is up to date\n", 1)[1])
    assert printed["merchant_id"].startswith("acct_")
    shapes = {(env, kind): parse_key(key) for env, keys in printed["keys"].items() for kind, key in keys.items()}
    assert {(env, kind) for env, kind in shapes} == {
        ("sandbox", "secret"),
        ("sandbox", "publishable"),
        ("production", "secret"),
        ("production", "publishable"),
    }
    assert all(parsed is not None and parsed.environment.value == env for (env, _), parsed in shapes.items())


def test_a_bad_setting_is_a_clear_error_not_a_traceback(
    scratch: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROPAY_DB_POOL_SIZE", "many")

    assert main(["db", "upgrade"]) == 2

    error = capsys.readouterr().err
    assert "MICROPAY_DB_POOL_SIZE" in error
    assert "Traceback" not in error


async def _store_credentials(merchant_id: str) -> None:
    settings = Settings.from_env()
    async with request_scope(settings) as scope:
        store = await scope.get(SetCredentials)
        await store(
            Tenant(merchant_id=merchant_id, environment=Environment.SANDBOX),
            {
                "consumer_key": "ck-1234",
                "consumer_secret": "cs-secret",
                "business_short_code": "174379",
                "passkey": "passkey",
                "transaction_type": "CustomerPayBillOnline",
            },
        )


async def _passkey(merchant_id: str) -> str:
    async with request_scope(Settings.from_env()) as scope:
        resolver = await scope.get(CredentialResolver)
        uow_factory = await scope.get(UnitOfWorkFactory)
        async with uow_factory(Tenant(merchant_id=merchant_id, environment=Environment.SANDBOX)) as uow:
            return (await resolver.resolve(uow)).passkey


def test_vault_rotate_reseals_under_the_new_key_and_a_second_run_has_nothing_to_do(
    scratch: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = base64.b64encode(os.urandom(32)).decode()
    new = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("MICROPAY_VAULT_KEY", old)
    assert main(["db", "upgrade"]) == 0
    assert main(["merchants", "create", "--name", "Duka"]) == 0
    merchant_id = json.loads(capsys.readouterr().out.split("database is up to date\n", 1)[1])["merchant_id"]
    asyncio.run(_store_credentials(merchant_id))

    monkeypatch.setenv("MICROPAY_VAULT_KEY", new)
    monkeypatch.setenv("MICROPAY_VAULT_OLD_KEYS", old)
    assert main(["vault", "rotate"]) == 0
    assert "re-encrypted 1 credential(s)" in capsys.readouterr().out
    assert main(["vault", "rotate"]) == 0
    assert "re-encrypted 0 credential(s)" in capsys.readouterr().out

    monkeypatch.delenv("MICROPAY_VAULT_OLD_KEYS")  # the old key is no longer needed by anything
    assert asyncio.run(_passkey(merchant_id)) == "passkey"


def test_a_malformed_vault_key_is_refused_without_echoing_it(
    scratch: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROPAY_VAULT_KEY", "c2hvcnQ=")
    assert main(["db", "upgrade"]) == 0

    assert main(["vault", "rotate"]) == 2

    error = capsys.readouterr().err
    assert "MICROPAY_VAULT_KEY" in error
    assert "c2hvcnQ=" not in error
