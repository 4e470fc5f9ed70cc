"""``micropay idempotency prune``: delete the records past their 24-hour retention once, for cron."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.idempotency import RETENTION_SECONDS, StoredResponse
from micropay.entrypoints.cli import main, request_scope
from micropay.entrypoints.settings import Settings
from micropay.ports.idempotency_store import IdempotencyStore


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Tenant:
    """A migrated embedded database with one merchant; returns its sandbox tenant."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("MICROPAY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MICROPAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    assert main(["db", "upgrade"]) == 0
    assert main(["merchants", "create", "--name", "Duka"]) == 0
    merchant_id: str = json.loads(capsys.readouterr().out.split("database is up to date\n", 1)[1])["merchant_id"]
    return Tenant(merchant_id=merchant_id, environment=Environment.SANDBOX)


async def _store_records(tenant: Tenant, ages: dict[str, float]) -> None:
    """One completed record per key, created ``ages[key]`` seconds ago."""
    async with request_scope(Settings.from_env()) as scope:
        store = await scope.get(IdempotencyStore)
        for key, age in ages.items():
            created_at = time.time() - age
            assert await store.claim(tenant, key, "fp", created_at) is None
            await store.complete(tenant, key, StoredResponse(status=201, body=b"{}"), claimed_at=created_at)


async def _still_stored(tenant: Tenant, keys: list[str]) -> list[str]:
    async with request_scope(Settings.from_env()) as scope:
        store = await scope.get(IdempotencyStore)
        return [key for key in keys if await store.claim(tenant, key, "fp", time.time()) is not None]


def test_prune_removes_only_expired_records_and_prints_how_many(
    scratch: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(
        _store_records(
            scratch, {"two-days": 2 * RETENTION_SECONDS, "a-day-and-a-bit": RETENTION_SECONDS + 60, "fresh": 60}
        )
    )

    assert main(["idempotency", "prune"]) == 0
    assert capsys.readouterr().out == "removed 2 expired idempotency record(s)\n"
    assert main(["idempotency", "prune"]) == 0
    assert capsys.readouterr().out == "removed 0 expired idempotency record(s)\n"
    assert asyncio.run(_still_stored(scratch, ["two-days", "a-day-and-a-bit", "fresh"])) == ["fresh"]


def test_idempotency_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["idempotency"])
    assert exited.value.code == 2
    assert "prune" in capsys.readouterr().err
