"""The LISTEN connection dies (its backend terminated, or the database refusing connections for a while):
the feed reconnects by itself, and a change committed while it was not listening still reaches the
subscriber, through the catch-up signal sent once LISTEN is back. Postgres only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from micropay.adapters.persistence import Persistence, build_persistence, create_engine
from micropay.adapters.realtime import PgListenNotifyChangeFeed, asyncpg_dsn
from micropay.domain.model.environment import Tenant
from tests import pg
from tests.integration.persistence.builders import created_intent, new_tenant, seed_merchant


@pytest.fixture
def own_database() -> Iterator[str]:
    """A database of its own: these tests take it away, which must disturb no other test."""
    pg.require_postgres()
    with pg.postgres_database() as url:
        yield url


@pytest.fixture
async def pg_feed(own_database: str) -> AsyncIterator[PgListenNotifyChangeFeed]:
    # A long first backoff leaves a wide window in which the feed is certainly not listening.
    feed = PgListenNotifyChangeFeed(asyncpg_dsn(own_database), min_backoff=1.0, max_backoff=1.0, health_interval=0.5)
    await feed.start()
    assert feed.listening
    yield feed
    await feed.stop()


@pytest.fixture
async def persistence(own_database: str, pg_feed: PgListenNotifyChangeFeed) -> AsyncIterator[Persistence]:
    engine = create_engine(own_database, pool_size=2)
    yield build_persistence(engine, after_commit=pg_feed.publish)
    await engine.dispose()


async def _wait_until(predicate: Callable[[], bool], seconds: float) -> None:
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not reached in time")


async def test_a_change_committed_while_the_listener_is_down_is_caught_up(
    pg_feed: PgListenNotifyChangeFeed, persistence: Persistence
) -> None:
    tenant = new_tenant()
    await seed_merchant(persistence.uow_factory, tenant)
    intent = created_intent(tenant)
    async with pg_feed.subscribe(tenant, intent_id=intent.id) as changes:
        pid = pg_feed.backend_pid
        assert pid is not None
        pg._admin(f"SELECT pg_terminate_backend({pid})")
        await _wait_until(lambda: not pg_feed.listening, 2.0)

        async with persistence.uow_factory(tenant) as uow:  # another process's commit: nobody hears its NOTIFY
            await uow.intents.add(intent)
            await uow.commit()
        assert not pg_feed.listening
        assert await changes.next(within=0.2) is False  # truly lost...

        assert await changes.next(within=3.0) is True  # ...until LISTEN is back and everyone catches up
        assert pg_feed.listening
        assert pg_feed.connections_made == 2
        assert pg_feed.backend_pid not in (None, pid)

        async with persistence.uow_factory(tenant) as uow:
            assert await uow.intents.get(intent.id) == intent  # what the subscriber's catch-up read sees

        # and live notifications flow again on the new connection
        another = created_intent(tenant)
        async with pg_feed.subscribe(tenant, intent_id=another.id) as live:
            async with persistence.uow_factory(tenant) as uow:
                await uow.intents.add(another)
                await uow.commit()
            assert await live.next(within=1.0) is True


async def test_the_feed_comes_back_after_the_database_refused_connections_for_a_while(
    own_database: str, pg_feed: PgListenNotifyChangeFeed, persistence: Persistence
) -> None:
    name = make_url(own_database).database
    tenant = new_tenant()
    await seed_merchant(persistence.uow_factory, tenant)
    async with pg_feed.subscribe(tenant) as changes:
        pg._admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            pg._admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            await _wait_until(lambda: not pg_feed.listening, 2.0)
            await asyncio.sleep(2.5)  # a few refused reconnection attempts
            assert not pg_feed.listening
        finally:
            pg._admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert await changes.next(within=5.0) is True  # the catch-up signal after reconnecting
        assert pg_feed.listening

        intent = created_intent(tenant)
        for attempt in range(50):  # the engine's pool notices the outage on first use and reconnects
            try:
                async with persistence.uow_factory(tenant) as uow:
                    await uow.intents.add(intent)
                    await uow.commit()
                break
            except Exception:
                if attempt == 49:
                    raise
                await asyncio.sleep(0.1)
        assert await changes.next(within=1.0) is True


async def test_a_notification_that_is_not_a_change_is_ignored_and_the_next_still_arrives(
    own_database: str, pg_feed: PgListenNotifyChangeFeed
) -> None:
    tenant = Tenant(merchant_id="acct_x", environment=new_tenant().environment)
    async with pg_feed.subscribe(tenant) as changes:
        pid = pg_feed.backend_pid
        sender = await asyncpg.connect(asyncpg_dsn(own_database))
        try:
            await sender.execute("SELECT pg_notify('micropay_changes', 'not json')")
            await sender.execute("""SELECT pg_notify('micropay_changes', '{"merchant_id": 1}')""")
            assert await changes.next(within=0.3) is False
            await sender.execute(
                """SELECT pg_notify('micropay_changes', '{"merchant_id": "acct_x", "environment": "sandbox"}')"""
            )
            assert await changes.next(within=1.0) is True
        finally:
            await sender.close()
        assert pg_feed.backend_pid == pid  # the same connection throughout
