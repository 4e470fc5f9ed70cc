"""Read replicas against a real streaming replica (``pg_basebackup -R`` of a throwaway primary, started on
another port; see tests/replica_cluster.py), with two real ``micropay serve`` processes configured with
``MICROPAY_DATABASE_REPLICA_URLS``:

1. read-your-writes: with the replica's replay paused, an intent created through A is retrieved, listed and
   its events and attempts read at once on A and on B (pinned to the primary: the replica does not have it);
2. routing: an update the router cannot know of (written behind the service's back, no notification) is
   not yet visible through B, because B reads the replica; once the replica has lagged for longer than
   ``MICROPAY_REPLICA_PIN_SECONDS`` (replay still paused), B reads the primary and sees it;
3. the primary stopped: ``/readyz`` says ``read_only``; retrieve, list, attempts and events keep answering
   from the replica (API keys are looked up there too); writes answer 503 ``storage_unavailable`` with
   ``Retry-After``; the primary back, writes work again;
4. the replica stopped: reads fall back to the primary; ``/readyz`` reports the replica unavailable.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests import replica_cluster
from tests.e2e.realtime.processes import Cluster, Process
from tests.replica_cluster import ReplicaCluster

pytestmark = pytest.mark.postgres

PIN_SECONDS = 2.0


@pytest.fixture(scope="module")
def databases() -> Iterator[ReplicaCluster]:
    reason = replica_cluster.unavailable_reason()
    if reason is not None:
        pytest.fail(f"the read-replica test needs PostgreSQL's server binaries: {reason}")
    with replica_cluster.replica_cluster() as running:
        yield running


@pytest.fixture(scope="module")
def processes(databases: ReplicaCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = Cluster(databases.primary_url, tmp_path_factory.mktemp("replicas"))
    settings = {
        "MICROPAY_DATABASE_REPLICA_URLS": databases.replica_url,
        "MICROPAY_REPLICA_PIN_SECONDS": str(PIN_SECONDS),
        "MICROPAY_REPLICA_CHECK_INTERVAL": "0.5",
        "MICROPAY_WEBHOOK_DISPATCH": "false",
    }
    try:
        running.api("a", **settings)
        running.api("b", **settings)
        yield running
    finally:
        running.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(15.0)) as client:
        yield client


class Reads:
    def __init__(self, http: httpx.AsyncClient, key: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {key}"}

    async def get(self, process: Process, path: str) -> httpx.Response:
        return await self.http.get(f"{process.url}{path}", headers=self.headers)

    async def create(self, process: Process, description: str) -> httpx.Response:
        body = {"amount": 1000, "currency": "kes", "description": description}
        return await self.http.post(f"{process.url}/v1/payment_intents", json=body, headers=self.headers)

    async def every_read(self, process: Process, intent_id: str) -> dict[str, Any]:
        """Retrieve, list, attempts, the intent's events and the event list: each must answer 200."""
        answers = {
            "retrieve": await self.get(process, f"/v1/payment_intents/{intent_id}"),
            "list": await self.get(process, "/v1/payment_intents?limit=100"),
            "attempts": await self.get(process, f"/v1/payment_intents/{intent_id}/attempts"),
            "intent_events": await self.get(process, f"/v1/payment_intents/{intent_id}/events"),
            "events": await self.get(process, "/v1/events?limit=100"),
        }
        for name, answer in answers.items():
            assert answer.status_code == 200, (process.name, name, answer.text)
        found = {name: answer.json() for name, answer in answers.items()}
        assert found["retrieve"]["id"] == intent_id
        assert intent_id in [intent["id"] for intent in found["list"]["data"]]
        return found


async def _replica(databases: ReplicaCluster, sql: str) -> None:
    connection = await asyncpg.connect(databases.dsn(databases.replica_port), timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _primary(databases: ReplicaCluster, sql: str, *args: Any) -> None:
    connection = await asyncpg.connect(databases.dsn(databases.primary_port), timeout=5)
    try:
        await connection.execute(sql, *args)
    finally:
        await connection.close()


async def _readyz_until(http: httpx.AsyncClient, process: Process, status: str, within: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        answer = await http.get(f"{process.url}/readyz")
        body = answer.json()
        if body["status"] == status:
            assert answer.status_code == (503 if status == "unavailable" else 200)
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{process.name} /readyz never said {status}: {body}")


async def test_reads_follow_the_rule_survive_the_primary_and_fall_back_from_the_replica(
    databases: ReplicaCluster, processes: Cluster, http: httpx.AsyncClient
) -> None:
    a, b = processes.by_name("a"), processes.by_name("b")
    reads = Reads(http, processes.create_merchant()["keys"]["sandbox"]["secret"])
    ready = await _readyz_until(http, b, "ready")
    assert ready["replicas"] == {"replica-1": "ok"}

    # 1. Read-your-writes, with the replica frozen: whatever is read right after the create is the primary's.
    await _replica(databases, "SELECT pg_wal_replay_pause()")
    created = await reads.create(a, "fresh")
    assert created.status_code == 201, created.text
    intent = created.json()
    for process in (a, b):
        found = await reads.every_read(process, intent["id"])
        assert found["retrieve"]["description"] == "fresh"
        assert [event["type"] for event in found["intent_events"]["data"]][:1] == ["payment_intent.created"]
    await _replica(databases, "SELECT pg_wal_replay_resume()")
    databases.wait_streaming()
    await asyncio.sleep(PIN_SECONDS + 1.0)  # the tenant's pin is over; the replica is fresh again

    # 2. B reads the replica: a change it cannot know of is not visible there until the replica lags too much.
    await _replica(databases, "SELECT pg_wal_replay_pause()")
    await _primary(databases, "UPDATE micropay_payment_intents SET description = 'behind' WHERE id = $1", intent["id"])
    seen = (await reads.get(b, f"/v1/payment_intents/{intent['id']}")).json()
    assert seen["description"] == "fresh"  # from the (paused) replica
    started = time.monotonic()
    while seen["description"] != "behind":
        assert time.monotonic() - started < PIN_SECONDS + 5.0, "the lagging replica kept serving reads"
        await asyncio.sleep(0.1)
        seen = (await reads.get(b, f"/v1/payment_intents/{intent['id']}")).json()
    assert time.monotonic() - started >= PIN_SECONDS - 1.0  # not before the replica lagged for a while
    await _replica(databases, "SELECT pg_wal_replay_resume()")
    databases.wait_streaming()

    # 3. The primary goes down: read-only mode.
    databases.stop_primary()
    try:
        for process in (a, b):
            body = await _readyz_until(http, process, "read_only")
            assert body["database"] == "unavailable"
            assert body["replicas"]["replica-1"] in {"ok", "lagging"}
            found = await reads.every_read(process, intent["id"])
            assert found["retrieve"]["description"] == "behind"  # replayed before the primary stopped
            refused = await reads.create(process, "while down")
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "storage_unavailable"
            assert int(refused.headers["Retry-After"]) >= 1
    finally:
        databases.start_primary()
    for process in (a, b):
        await _readyz_until(http, process, "ready")
    after = await reads.create(b, "after")
    assert after.status_code == 201, after.text
    listed = (await reads.get(a, "/v1/payment_intents?limit=100")).json()["data"]
    assert [item["description"] for item in listed] == ["after", "behind"]  # nothing written while down

    # 4. The replica goes down: reads fall back to the primary at once. First let the pin pass and the
    # replica catch up again (its WAL receiver reconnects to the restarted primary by itself).
    databases.wait_streaming()
    await asyncio.sleep(PIN_SECONDS + 1.0)
    assert (await reads.get(b, f"/v1/payment_intents/{after.json()['id']}")).status_code == 200
    databases.stop_replica()
    try:
        for process in (a, b):
            found = await reads.every_read(process, after.json()["id"])
            assert found["retrieve"]["description"] == "after"
        for process in (a, b):
            deadline = time.monotonic() + 10
            body = await _readyz_until(http, process, "ready")
            while body["replicas"] != {"replica-1": "unavailable"}:
                assert time.monotonic() < deadline, body
                await asyncio.sleep(0.1)
                body = await _readyz_until(http, process, "ready")
    finally:
        databases.start_replica()
    databases.wait_streaming()
    body = await _readyz_until(http, b, "ready")
    deadline = time.monotonic() + 10
    while body["replicas"] != {"replica-1": "ok"} and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        body = (await http.get(f"{b.url}/readyz")).json()
    assert body["replicas"] == {"replica-1": "ok"}
