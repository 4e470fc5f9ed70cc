"""Change feeds: Postgres LISTEN/NOTIFY across processes, or in memory for the embedded SQLite default."""

from __future__ import annotations

from typing import Protocol

from micropay.adapters.realtime.in_process import InProcessChangeFeed
from micropay.adapters.realtime.pg_listen_notify import FeedObserver, PgListenNotifyChangeFeed, asyncpg_dsn
from micropay.ports.change_feed import ChangeFeed


class ManagedChangeFeed(ChangeFeed, Protocol):
    """A change feed with a lifecycle: the app starts it (the listener) and stops it (ending subscriptions)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_change_feed(database_url: str, listen_database_url: str | None = None) -> ManagedChangeFeed:
    """LISTEN/NOTIFY for Postgres (on ``listen_database_url`` when given: a session-mode connection), else
    in-process (SQLite)."""
    if database_url.startswith("postgresql"):
        return PgListenNotifyChangeFeed(asyncpg_dsn(listen_database_url or database_url))
    return InProcessChangeFeed()


__all__ = [
    "FeedObserver",
    "InProcessChangeFeed",
    "ManagedChangeFeed",
    "PgListenNotifyChangeFeed",
    "asyncpg_dsn",
    "build_change_feed",
]
