"""``micropay callbacks prune``: the maintenance loop's pruning of unroutable callbacks, once, for cron."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from micropay.adapters.persistence.rows import UNMATCHED_CALLBACKS
from micropay.entrypoints.cli import main, request_scope
from micropay.entrypoints.settings import Settings
from micropay.ports.tenant_directory import TenantDirectory

DAY = 24 * 3600


async def _record(ages_days: list[int]) -> None:
    async with request_scope(Settings.from_env()) as scope:
        directory = await scope.get(TenantDirectory)
        for age in ages_days:
            await directory.record_unroutable_callback("abcdef", {"age": age}, int(time.time()) - age * DAY)


async def _ages(url: str) -> list[int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(UNMATCHED_CALLBACKS.c.body))).all()
    finally:
        await engine.dispose()
    return sorted(row[0]["age"] for row in rows)


def test_prune_deletes_what_is_past_the_retention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("MICROPAY_"):
            monkeypatch.delenv(name)
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("MICROPAY_DATABASE_URL", url)
    monkeypatch.setenv("MICROPAY_UNROUTABLE_CALLBACK_RETENTION", str(3 * DAY))
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_record([5, 4, 2, 0]))
    capsys.readouterr()

    assert main(["callbacks", "prune"]) == 0

    assert capsys.readouterr().out == "removed 2 unroutable callback(s) past their retention\n"
    assert asyncio.run(_ages(url)) == [0, 2]
