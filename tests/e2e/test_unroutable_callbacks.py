"""Anyone can POST to ``/webhooks/mpesa/<random>``: what that stores is bounded (issue 10, defect 5).

100 posts of 48 KB each used to add 6.5 MB to the unmatched-callbacks table in 0.6 s. Now each answers
404 as before, a big body is kept as a 2 KB excerpt (with its size and SHA-256) and at most
``MICROPAY_UNROUTABLE_CALLBACK_BUDGET`` (10) rows are stored per rolling minute across every process.
"""

from __future__ import annotations

import asyncio
import secrets
import string

import httpx
import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from micropay.adapters.persistence.rows import UNMATCHED_CALLBACKS
from tests.e2e.harness import Stack

POSTS = 100
BODY_BYTES = 48 * 1024
ALPHABET = string.ascii_letters + string.digits


async def test_100_posts_of_48_kb_store_a_bounded_excerpt_within_the_budget(
    http: httpx.AsyncClient, stack: Stack
) -> None:
    hint = "".join(secrets.choice(ALPHABET) for _ in range(6))
    body = msgspec.json.encode({"Body": {"stkCallback": {"ResultDesc": "x" * (BODY_BYTES - 60)}}})
    assert abs(len(body) - BODY_BYTES) < 100

    async def post(n: int) -> int:
        token = hint + "".join(secrets.choice(ALPHABET) for _ in range(30))
        response = await http.post(f"/webhooks/mpesa/{token}", content=body)
        return response.status_code

    statuses = []
    for start in range(0, POSTS, 10):
        statuses += await asyncio.gather(*(post(n) for n in range(start, start + 10)))
    assert statuses == [404] * POSTS

    owner = create_async_engine(stack.settings.database_url)
    try:
        async with owner.connect() as connection:
            statement = select(UNMATCHED_CALLBACKS.c.body).where(UNMATCHED_CALLBACKS.c.token_hint == hint)
            kept = [row[0] for row in (await connection.execute(statement)).all()]
    finally:
        await owner.dispose()
    stored = sum(len(msgspec.json.encode(item)) for item in kept)
    print(f"\n{stack.backend}: {len(kept)} of {POSTS} stored, {stored} bytes of JSON")
    budget = stack.settings.unroutable_callback_budget
    assert 1 <= len(kept) <= budget  # (other tests' unroutable callbacks this minute count too)
    assert all(item["bytes"] == len(body) for item in kept)  # the size of what was sent, and its digest
    assert stored <= budget * 2_300  # was 100 x 48 KB = 4.9 MB of JSON (5 to 6.5 MB on disk)
