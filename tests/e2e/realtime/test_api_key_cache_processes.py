"""Two real ``micropay serve`` processes on one Postgres: process B caches API-key lookups, and a key rolled
through process A stops working on B at once; with B's listener killed (``pg_terminate_backend``) B never
answers from a stale cache.

First a control shows that B does answer from its cache: with migration 0011's trigger disabled, a key
revoked in the database keeps working on B (whose cache never heard of it) while A, which never looked it
up, refuses it. Everything after runs with the trigger on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests import pg
from tests.e2e.realtime.processes import Cluster, Process

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    pg.require_postgres()
    with pg.postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def processes(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = Cluster(database, tmp_path_factory.mktemp("key-cache"))
    try:
        running.api("a", MICROPAY_WEBHOOK_DISPATCH="false")
        running.api("b", MICROPAY_WEBHOOK_DISPATCH="false")
        yield running
    finally:
        running.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(15.0)) as client:
        yield client


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _status(http: httpx.AsyncClient, process: Process, key: str) -> int:
    response = await http.get(f"{process.url}/v1/api_keys", headers={"Authorization": f"Bearer {key}"})
    return response.status_code


async def _roll(http: httpx.AsyncClient, process: Process, key: str) -> str:
    response = await http.post(
        f"{process.url}/v1/api_keys/roll", json={"type": "secret"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200, response.text
    new: str = response.json()["key"]
    return new


async def _listeners(admin: asyncpg.Connection, database: str) -> int:
    count: int = await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'micropay-listen'",
        database,
    )
    return count


async def _until_listening(admin: asyncpg.Connection, database: str, count: int) -> None:
    for _ in range(400):
        if await _listeners(admin, database) == count:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"{count} listeners expected")


async def test_a_key_rolled_on_one_process_stops_at_once_on_the_other_and_no_stale_answer_without_a_listener(
    processes: Cluster, database: str, http: httpx.AsyncClient
) -> None:
    a, b = processes.by_name("a"), processes.by_name("b")
    created: dict[str, Any] = processes.create_merchant()
    key = created["keys"]["sandbox"]["secret"]
    name = str(make_url(database).database)
    admin = await asyncpg.connect(_dsn(database))
    try:
        await _until_listening(admin, name, 2)

        # Control: B answers from its cache. Warm it, then revoke behind the trigger's back.
        control = await _roll(http, a, key)
        assert [await _status(http, b, control) for _ in range(3)] == [200, 200, 200]
        await admin.execute("ALTER TABLE micropay_api_keys DISABLE TRIGGER micropay_api_key_changed")
        try:
            await admin.execute("UPDATE micropay_api_keys SET revoked_at = 1 WHERE revoked_at IS NULL")
            assert await _status(http, a, control) == 401  # A reads the database
            assert await _status(http, b, control) == 200  # B's cache never heard of it
        finally:
            await admin.execute("ALTER TABLE micropay_api_keys ENABLE TRIGGER micropay_api_key_changed")
        await admin.execute("UPDATE micropay_api_keys SET revoked_at = NULL WHERE revoked_at = 1")  # heard
        key = control
        assert await _status(http, b, key) == 200

        # Roll through A; the old key fails on B at once, every time.
        for _ in range(30):
            assert [await _status(http, b, key) for _ in range(2)] == [200, 200]  # cached on B
            new = await _roll(http, a, key)
            assert await _status(http, b, key) == 401
            assert await _status(http, b, new) == 200
            key = new

        # Kill the listeners; roll while they are down or reconnecting: never a stale answer on B.
        for _ in range(10):
            assert [await _status(http, b, key) for _ in range(2)] == [200, 200]
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND application_name = 'micropay-listen'",
                name,
            )
            new = await _roll(http, a, key)
            assert await _status(http, b, key) == 401
            assert await _status(http, b, new) == 200
            key = new
            await _until_listening(admin, name, 2)
            assert await _status(http, b, key) == 200
    finally:
        await admin.close()
