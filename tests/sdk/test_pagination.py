"""Auto-pagination: every item once, in order, each page fetched only when needed; filters kept."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx

from tests.sdk.double import ScriptedServer, intent_body, json_response, page_body


def _id(n: int) -> str:
    return f"pi_{n:024d}"


class ListServer:
    """Serves ``count`` intents newest first with cursor semantics like the real list."""

    def __init__(self, count: int) -> None:
        self.newest_first = [_id(n) for n in range(count, 0, -1)]
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query = dict(parse_qsl(request.url.query.decode()))
        self.queries.append(query)
        limit = int(query.get("limit", "10"))
        ids = self.newest_first
        if "starting_after" in query:
            start = ids.index(query["starting_after"]) + 1
            chosen, more = ids[start : start + limit], len(ids) > start + limit
        elif "ending_before" in query:
            end = ids.index(query["ending_before"])
            chosen, more = ids[max(0, end - limit) : end], end - limit > 0
        else:
            chosen, more = ids[:limit], len(ids) > limit
        return json_response(
            200, page_body([intent_body(id=i, status=query.get("status", "succeeded")) for i in chosen], more)
        )


def test_auto_paging_visits_every_intent_once_newest_first_keeping_filters() -> None:
    listing = ListServer(25)
    server = ScriptedServer(listing)

    seen = [i.id for i in server.client().payment_intents.list(limit=10, status="succeeded").auto_paging_iter()]

    assert seen == listing.newest_first
    assert len(listing.queries) == 3
    assert listing.queries[1] == {"limit": "10", "status": "succeeded", "starting_after": _id(16)}
    assert all(q["status"] == "succeeded" for q in listing.queries)


def test_pages_are_fetched_lazily() -> None:
    listing = ListServer(25)
    server = ScriptedServer(listing)

    iterator = server.client().payment_intents.list(limit=10).auto_paging_iter()
    first_ten = [next(iterator).id for _ in range(10)]
    assert len(listing.queries) == 1
    next(iterator)

    assert first_ten == listing.newest_first[:10]
    assert len(listing.queries) == 2


def test_ending_before_pages_backwards() -> None:
    listing = ListServer(25)
    server = ScriptedServer(listing)

    seen = [i.id for i in server.client().payment_intents.list(limit=10, ending_before=_id(1)).auto_paging_iter()]

    assert seen == [_id(n) for n in range(2, 26)]
    assert "starting_after" not in listing.queries[1]


def test_a_single_page_and_an_empty_list() -> None:
    server = ScriptedServer(json_response(200, page_body([intent_body()], False)))
    page = server.client().payment_intents.list()

    assert [i.id for i in page] == [intent_body()["id"]]
    assert len(page) == 1
    assert page.next_page() is None
    assert len(server.requests) == 1

    empty = ScriptedServer(json_response(200, page_body([], True)))  # has_more with no data cannot loop
    assert list(empty.client().payment_intents.list().auto_paging_iter()) == []
    assert len(empty.requests) == 1


async def test_async_auto_paging() -> None:
    listing = ListServer(12)
    server = ScriptedServer(listing)

    async with server.async_client() as client:
        page = await client.payment_intents.list(limit=5)
        seen: list[Any] = [intent.id async for intent in page.auto_paging_iter()]

    assert seen == listing.newest_first
    assert len(listing.queries) == 3
