"""Unroutable callbacks are bounded (issue 10, defect 5), on SQLite and on Postgres (SECURITY DEFINER functions).

A big body is kept as an excerpt with its size and SHA-256, at most ``budget`` rows are stored per rolling
minute (across processes: the count is in the database), and pruning deletes what is past the cutoff. Rows
here use ``received_at`` values a few thousand seconds after the epoch, far from the other tests' rows
(which use now), so a shared database never interferes.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from micropay.adapters.persistence import Persistence
from micropay.adapters.persistence.bundle import build_persistence
from micropay.adapters.persistence.rows import UNMATCHED_CALLBACKS
from micropay.adapters.persistence.unroutable import EXCERPT_BYTES
from micropay.domain.use_cases.prune_unroutable import PruneUnroutableCallbacks
from tests.fakes import FakeClock


async def _rows(database_url: str, hint: str) -> list[Any]:
    owner = create_async_engine(database_url)  # as the URL's own role: the service's role cannot read it
    try:
        async with owner.connect() as connection:
            statement = select(UNMATCHED_CALLBACKS).where(UNMATCHED_CALLBACKS.c.token_hint == hint)
            return list((await connection.execute(statement.order_by(UNMATCHED_CALLBACKS.c.id))).mappings().all())
    finally:
        await owner.dispose()


def _hint() -> str:
    return secrets.token_hex(3)  # 6 characters of its own per test


async def test_a_big_body_is_kept_as_an_excerpt_with_its_size_and_digest(
    persistence: Persistence, database_url: str
) -> None:
    hint = _hint()
    small = {"Body": {"stkCallback": {"ResultCode": 0, "CheckoutRequestID": "ws_CO_small"}}}
    big = {"Body": {"stkCallback": {"ResultDesc": "x" * 48_000, "CheckoutRequestID": "ws_CO_big"}}}

    await persistence.tenant_directory.record_unroutable_callback(hint + "rest", small, 3_000)
    await persistence.tenant_directory.record_unroutable_callback(hint + "rest", big, 3_001)

    rows = await _rows(database_url, hint)
    assert len(rows) == 2
    assert rows[0]["body"] == small  # a Daraja-sized body is kept whole
    kept = rows[1]["body"]
    encoded = msgspec.json.encode(big)
    assert kept["bytes"] == len(encoded)
    assert kept["sha256"] == hashlib.sha256(encoded).hexdigest()
    assert kept["micropay_excerpt"] == encoded[:EXCERPT_BYTES].decode()
    assert len(msgspec.json.encode(kept)) < EXCERPT_BYTES + 200


async def test_at_most_the_budget_is_stored_per_rolling_minute(engine: AsyncEngine, database_url: str) -> None:
    directory = build_persistence(engine, unroutable_budget=3).tenant_directory
    hint = _hint()
    at = 7_000 + secrets.randbelow(1_000) * 200  # a minute of its own

    for n in range(5):
        await directory.record_unroutable_callback(hint, {"n": n}, at)
    await directory.record_unroutable_callback(hint, {"n": "later"}, at + 61)  # the minute has passed

    assert [row["body"]["n"] for row in await _rows(database_url, hint)] == [0, 1, 2, "later"]


async def test_pruning_deletes_only_what_is_past_the_retention(persistence: Persistence, database_url: str) -> None:
    hint = _hint()
    for at in (4_000, 4_500, 5_000):
        await persistence.tenant_directory.record_unroutable_callback(hint, {"at": at}, at)
    prune = PruneUnroutableCallbacks(persistence.tenant_directory, FakeClock(5_600.0))

    deleted = await prune(retention=1_000, batch_size=1)  # cutoff 4 600: two rows, one per batch

    assert deleted >= 2  # (older rows of other tests' runs may go too: they are past any retention)
    assert [row["body"]["at"] for row in await _rows(database_url, hint)] == [5_000]
