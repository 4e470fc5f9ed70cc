"""The LISTEN connection is lost while changes keep committing (Postgres): open streams and waiters get
every change once the listener is back, from the events table, with nothing missed.

The database refuses new connections and the listener's backend is terminated, so the feed cannot
reconnect, while the API's already pooled connections keep committing: exactly the window in which
notifications are lost. This test owns its database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests import pg
from tests.e2e.client import Api, Merchant, bearer, check_response
from tests.e2e.harness import Stack, running_stack
from tests.e2e.realtime.sse import open_stream


@pytest.fixture
def own_stack() -> Iterator[tuple[Stack, str]]:
    pg.require_postgres()
    with pg.postgres_database() as url, running_stack(url, "postgres") as stack:
        yield stack, str(make_url(url).database)


@pytest.fixture
async def clients(own_stack: tuple[Stack, str]) -> AsyncIterator[tuple[Api, httpx.AsyncClient]]:
    stack, _ = own_stack
    async with (
        httpx.AsyncClient(base_url=stack.api_url, timeout=15.0, event_hooks={"response": [check_response]}) as http,
        httpx.AsyncClient(base_url=stack.api_url, timeout=15.0) as raw,
    ):
        yield Api(http), raw


async def test_changes_committed_while_the_listener_is_down_reach_streams_and_waiters(
    own_stack: tuple[Stack, str], clients: tuple[Api, httpx.AsyncClient]
) -> None:
    stack, database = own_stack
    api, raw = clients
    shop = Merchant.of(await stack.create_merchant())
    waiting_for = await api.create_ok(shop.sk_test)
    # Warm the pool so that requests can commit while new connections are refused.
    await asyncio.gather(*(api.list_intents(shop.sk_test) for _ in range(4)))

    async with open_stream(raw, "/v1/events/stream", headers=bearer(shop.sk_test)) as stream:
        waiter = asyncio.create_task(
            raw.get(
                f"/v1/payment_intents/{waiting_for['id']}/wait",
                params={"timeout": 20},
                headers=bearer(shop.sk_test),
                timeout=30.0,
            )
        )
        await asyncio.sleep(0.3)
        pg._admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        try:
            pg._admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{database}' AND application_name = 'micropay-listen'"
            )
            await asyncio.sleep(0.3)
            created = [await api.create_ok(shop.sk_test) for _ in range(3)]
            assert (await api.cancel(shop.sk_test, waiting_for["id"])).status_code == 200
            await stream.nothing_for(1.0)  # the notifications went nowhere...
            assert not waiter.done()
        finally:
            pg._admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')

        frames = await stream.events(4, within=10)  # ...and the catch-up after reconnecting brings them all
        answer = await asyncio.wait_for(waiter, 10)

    assert [f.data["data"]["object"]["id"] for f in frames] == [*(c["id"] for c in created), waiting_for["id"]]
    assert [f.type for f in frames] == ["payment_intent.created"] * 3 + ["payment_intent.canceled"]
    assert answer.status_code == 200
    assert answer.json()["status"] == "canceled"
    assert "micropay-wait" not in answer.headers
