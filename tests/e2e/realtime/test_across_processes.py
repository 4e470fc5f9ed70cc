"""A change committed by one API process reaches waiters and streams in every other within a second (§11),
with real ``micropay serve`` processes on one Postgres database, including a kill -9 of one of them.

Daraja's callbacks go to process B only (the shared ``MICROPAY_PUBLIC_URL``); the waits run on A.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests import pg
from tests.e2e.realtime.processes import Cluster, Process, cluster
from tests.e2e.realtime.sse import open_stream

SUCCESS_PHONE = "254708374149"  # the simulator calls back with success after MICROPAY_SIM_CALLBACK_DELAY_MS
QUERY_ONLY_PHONE = "254711000099"  # no callback; the STK query says success


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    pg.require_postgres()
    with pg.postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def processes(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The simulator, A and B (B receives the callbacks), shared by the tests of this module."""
    with cluster(database, tmp_path_factory.mktemp("cluster")) as running:
        running.api("a")
        running.api("b", receives_callbacks=True)
        yield running


@pytest.fixture(scope="module")
def merchant(processes: Cluster) -> dict[str, Any]:
    return processes.create_merchant()


@pytest.fixture
def a(processes: Cluster) -> Process:
    return processes.by_name("a")


@pytest.fixture
def b(processes: Cluster) -> Process:
    return processes.by_name("b")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
        yield client


class Shop:
    def __init__(self, http: httpx.AsyncClient, created: dict[str, Any]) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {created['keys']['sandbox']['secret']}"}

    async def create(self, on: Process, phone: str) -> dict[str, Any]:
        response = await self.http.post(
            f"{on.url}/v1/payment_intents",
            json={"amount": 1500, "currency": "kes", "phone_number": phone},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def post(self, on: Process, intent_id: str, action: str) -> dict[str, Any]:
        response = await self.http.post(
            f"{on.url}/v1/payment_intents/{intent_id}/{action}", json={}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def wait(self, on: Process, intent_id: str, **params: Any) -> tuple[httpx.Response, float]:
        """The wait's answer and when it arrived (monotonic)."""
        response = await self.http.get(
            f"{on.url}/v1/payment_intents/{intent_id}/wait", params={"timeout": 15, **params}, headers=self.headers
        )
        return response, time.monotonic()


async def _listeners(database: str) -> int:
    connection = await asyncpg.connect(pg._dsn(pg.ADMIN_URL))
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'micropay-listen'",
            make_url(database).database,
        )
    finally:
        await connection.close()
    return count


async def test_a_callback_handled_by_process_b_wakes_a_waiter_on_process_a_within_a_second(
    a: Process, b: Process, merchant: dict[str, Any], http: httpx.AsyncClient
) -> None:
    shop = Shop(http, merchant)
    intent = await shop.create(a, SUCCESS_PHONE)

    on_a = asyncio.create_task(shop.wait(a, intent["id"], until="terminal"))
    on_b = asyncio.create_task(shop.wait(b, intent["id"], until="terminal"))  # B: where the callback commits
    await asyncio.sleep(0.3)
    confirmed = await shop.post(a, intent["id"], "confirm")
    assert confirmed["status"] == "processing"
    (answer_a, at_a), (answer_b, at_b) = await asyncio.gather(on_a, on_b)

    assert answer_a.status_code == 200
    assert "micropay-wait" not in answer_a.headers
    assert answer_a.json()["status"] == "succeeded"
    assert answer_b.json()["status"] == "succeeded"
    assert at_a - at_b < 1.0, f"process A answered {at_a - at_b:.3f}s after process B"


async def test_a_reconcile_on_process_b_wakes_a_waiter_on_process_a_within_a_second(
    a: Process, b: Process, merchant: dict[str, Any], http: httpx.AsyncClient
) -> None:
    shop = Shop(http, merchant)
    intent = await shop.create(b, QUERY_ONLY_PHONE)
    confirmed = await shop.post(b, intent["id"], "confirm")

    on_a = asyncio.create_task(shop.wait(a, intent["id"], until="change", version=confirmed["version"]))
    await asyncio.sleep(0.5)
    assert not on_a.done()
    reconciled = await shop.post(b, intent["id"], "reconcile")
    committed = time.monotonic()
    answer, at = await on_a

    assert reconciled["status"] == "succeeded"
    assert answer.json()["status"] == "succeeded"
    assert answer.json()["version"] == reconciled["version"]
    assert at - committed < 1.0


async def test_after_a_kill_9_nothing_is_missed_and_the_others_keep_listening(
    database: str, processes: Cluster, b: Process, merchant: dict[str, Any], http: httpx.AsyncClient
) -> None:
    shop = Shop(http, merchant)
    victim = processes.api("victim")
    assert await _listeners(database) == 3  # one LISTEN connection per process: A, B and the victim

    intent = await shop.create(b, SUCCESS_PHONE)
    doomed = asyncio.create_task(shop.wait(victim, intent["id"], until="change", version=intent["version"]))
    await asyncio.sleep(0.3)
    victim.kill9()
    with pytest.raises(httpx.HTTPError):
        await doomed
    # While the victim is dead the intent changes (confirm, then the simulator's callback to B).
    await shop.post(b, intent["id"], "confirm")
    await asyncio.sleep(1.0)

    # The client comes back through another process with the version it had seen: the change is there at once.
    started = time.monotonic()
    answer, at = await shop.wait(b, intent["id"], until="change", version=intent["version"])
    assert at - started < 0.5
    assert answer.json()["version"] > intent["version"]
    assert "micropay-wait" not in answer.headers

    # The victim's LISTEN backend is gone with it; a new process listens; B's commits reach it within a second.
    c = processes.api("c")
    for _ in range(50):
        if await _listeners(database) == 3:
            break
        await asyncio.sleep(0.1)
    assert await _listeners(database) == 3  # A, B and C
    other = await shop.create(b, SUCCESS_PHONE)
    on_c = asyncio.create_task(shop.wait(c, other["id"], until="terminal"))
    await asyncio.sleep(0.3)
    await shop.post(b, other["id"], "cancel")
    committed = time.monotonic()
    answer, at = await on_c
    assert answer.json()["status"] == "canceled"
    assert at - committed < 1.0


async def test_a_browser_stream_on_process_a_sees_the_callback_handled_by_b_within_a_second(
    a: Process, b: Process, merchant: dict[str, Any], http: httpx.AsyncClient
) -> None:
    shop = Shop(http, merchant)
    intent = await shop.create(a, SUCCESS_PHONE)
    keys = {"key": merchant["keys"]["sandbox"]["publishable"], "client_secret": intent["client_secret"]}
    async with open_stream(http, f"{a.url}/v1/payment_intents/{intent['id']}/stream", params=keys) as stream:
        assert stream.response.status_code == 200
        assert (await stream.event()).type == "payment_intent.created"
        on_b = asyncio.create_task(shop.wait(b, intent["id"], until="terminal"))  # B: where the callback commits
        await asyncio.sleep(0.3)
        await shop.post(a, intent["id"], "confirm")
        assert (await stream.event()).type == "payment_intent.processing"
        succeeded = await stream.event(within=10)
        at_a = time.monotonic()
        answer_b, at_b = await on_b

    assert succeeded.type == "payment_intent.succeeded"
    assert answer_b.json()["status"] == "succeeded"
    assert at_a - at_b < 1.0, f"process A's stream got it {at_a - at_b:.3f}s after process B"
