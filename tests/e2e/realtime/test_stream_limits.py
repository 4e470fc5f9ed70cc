"""Keep-alives on a quiet stream and the bound on open streams per merchant (contract §11), on a stack of
its own (SQLite) with a short keep-alive and a bound of 2."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from micropay.entrypoints.http.stream_slots import StreamSlots
from tests import pg
from tests.e2e.client import Merchant, bearer
from tests.e2e.harness import Stack, running_stack
from tests.e2e.realtime.sse import open_stream

KEEPALIVE = 0.3
BOUND = 2


@pytest.fixture(scope="module")
def small_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    url = pg.migrated_sqlite_file(Path(tmp_path_factory.mktemp("streams")) / "micropay.db")
    with running_stack(url, "sqlite", stream_keepalive=KEEPALIVE, max_streams_per_merchant=BOUND) as stack:
        yield stack


@pytest.fixture
async def raw(small_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=small_stack.api_url, timeout=10.0) as client:
        yield client


@pytest.fixture
async def shop(small_stack: Stack) -> Merchant:
    return Merchant.of(await small_stack.create_merchant())


async def test_a_quiet_stream_gets_a_keep_alive_comment_every_interval(raw: httpx.AsyncClient, shop: Merchant) -> None:
    async with open_stream(raw, "/v1/events/stream", headers=bearer(shop.sk_test)) as stream:
        started = time.monotonic()
        comments = [await stream.frame(within=2 * KEEPALIVE) for _ in range(3)]
    assert all(frame.comments == ["keep-alive"] and not frame.is_event for frame in comments)
    assert time.monotonic() - started < 4 * KEEPALIVE


async def test_past_the_bound_a_stream_is_refused_with_429_until_one_closes(
    raw: httpx.AsyncClient, shop: Merchant, small_stack: Stack
) -> None:
    other = Merchant.of(await small_stack.create_merchant("Other"))
    container = small_stack._api.state.dishka_container
    slots = await asyncio.wrap_future(small_stack._loop.submit(container.get(StreamSlots)))  # the server's count
    async with (
        open_stream(raw, "/v1/events/stream", headers=bearer(shop.sk_test)) as first,
        open_stream(raw, "/v1/events/stream", headers=bearer(shop.sk_test)) as second,
    ):
        assert first.response.status_code == second.response.status_code == 200
        async with open_stream(raw, "/v1/events/stream", headers=bearer(shop.sk_test)) as third:
            assert third.response.status_code == 429
            error = third.response.json()["error"]
            assert (error["type"], error["code"]) == ("rate_limit_error", "too_many_streams")
            assert error["request_id"] == third.response.headers["request-id"]
            assert third.response.headers["retry-after"] == "5"
        # the bound is per merchant and environment: others are not affected
        async with open_stream(raw, "/v1/events/stream", headers=bearer(other.sk_test)) as theirs:
            assert theirs.response.status_code == 200
        async with open_stream(raw, "/v1/events/stream", headers=bearer(shop.sk_live)) as live:
            assert live.response.status_code == 200

    # The client went away: the server notices and frees the slots.
    for _ in range(100):
        if slots._open == {}:
            break
        await asyncio.sleep(0.05)
    assert slots._open == {}
    async with open_stream(raw, "/v1/events/stream", headers=bearer(shop.sk_test)) as again:
        assert again.response.status_code == 200
