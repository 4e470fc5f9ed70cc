"""Several dispatcher PROCESSES (``micropay webhooks run``) on one Postgres, and a kill -9 of one of them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import pytest

from micropay.domain.model.webhooks import DeliveryStatus
from tests.integration.webhooks.conftest import WebhookWorld
from tests.integration.webhooks.receiver import Reply, running_receiver

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@contextmanager
def workers(database_url: str, vault_key: str, count: int, **env: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    environ = {
        **os.environ,
        "MICROPAY_DATABASE_URL": database_url,
        "MICROPAY_VAULT_KEY": vault_key,
        "MICROPAY_WEBHOOKS_ALLOW_PRIVATE": "true",
        "MICROPAY_WEBHOOK_POLL_INTERVAL": "0.1",
        "MICROPAY_LOG_LEVEL": "WARNING",
        **env,
    }
    command = [sys.executable, "-m", "micropay.entrypoints.cli", "webhooks", "run"]
    processes = [subprocess.Popen(command, env=environ, stdout=subprocess.PIPE) for _ in range(count)]
    try:
        for process in processes:  # each prints one line once its dispatcher runs
            assert process.stdout is not None
            assert b"webhook worker running" in process.stdout.readline()
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_until(predicate: Callable[[], Awaitable[bool]], limit_s: float) -> None:
    """Poll the database (the workers are other processes: nothing to await but the rows)."""
    async with asyncio.timeout(limit_s):
        while not await predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.2)


async def test_two_processes_deliver_500_events_exactly_once_each(world: WebhookWorld, database_url: str) -> None:
    world.clock.set(time.time())
    with running_receiver(lambda _r: Reply(stall=0.01)) as receiver:
        await world.register(receiver.url)
        events = [await world.emit() for _ in range(500)]
        with workers(database_url, world.vault_key, 2, MICROPAY_WEBHOOK_PER_ENDPOINT="8") as processes:

            async def all_done() -> bool:
                deliveries = await world.deliveries()
                return all(d.status is DeliveryStatus.SUCCEEDED for d in deliveries)

            started = time.monotonic()
            await wait_until(all_done, 120)
            print(f"500 deliveries by 2 processes in {time.monotonic() - started:.1f} s")
            await asyncio.sleep(1.0)  # anything sent twice would arrive by now
            for process in processes:
                process.send_signal(signal.SIGTERM)
            assert [process.wait(timeout=20) for process in processes] == [0, 0]
        received = Counter(request.headers["webhook-id"] for request in receiver.requests())

    assert set(received) == set(events)  # none missing
    assert max(received.values()) == 1  # no duplicate attempt
    deliveries = await world.deliveries()
    assert len(deliveries) == 500
    assert all(len(d.attempts) == 1 and d.attempts[0].http_status == 200 for d in deliveries)


async def test_a_dispatcher_killed_mid_attempt_leaves_the_delivery_to_the_other(
    world: WebhookWorld, database_url: str
) -> None:
    world.clock.set(time.time())
    first = True

    def respond(_request: object) -> Reply:
        nonlocal first
        if first:
            first = False
            return Reply(stall=30.0)  # the first attempt hangs: its process is killed meanwhile
        return Reply()

    settings = {"MICROPAY_WEBHOOK_TIMEOUT": "2", "MICROPAY_WEBHOOK_LEASE_MARGIN": "6"}  # an 8 s lease
    with running_receiver(respond) as receiver:
        await world.register(receiver.url)
        event_id = await world.emit()
        with workers(database_url, world.vault_key, 1, **settings) as [doomed]:
            async with asyncio.timeout(15):
                while not receiver.requests():  # noqa: ASYNC110 - the receiver lives in another thread
                    await asyncio.sleep(0.02)
            doomed.send_signal(signal.SIGKILL)
            assert doomed.wait(timeout=10) == -signal.SIGKILL
            with workers(database_url, world.vault_key, 1, **settings) as [survivor]:

                async def delivered() -> bool:
                    [delivery] = await world.deliveries()
                    return delivery.status is DeliveryStatus.SUCCEEDED

                await wait_until(delivered, 30)
                survivor.send_signal(signal.SIGTERM)
                assert survivor.wait(timeout=20) == 0
        requests = receiver.requests()

    assert [r.headers["webhook-id"] for r in requests] == [event_id, event_id]  # at least once: sent again
    # taken over only once the dead process's lease (8 s from its claim, a little before its request arrived)
    # ran out: a loaded machine may take a second or two between the claim and the first request
    assert requests[1].received_at - requests[0].received_at >= 6.0
    [delivery] = await world.deliveries()
    assert len(delivery.attempts) == 1  # the killed attempt was never recorded
    assert delivery.attempts[0].http_status == 200
