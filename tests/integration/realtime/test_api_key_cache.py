"""The API-key cache on a real Postgres: migration 0011's trigger announces every changed key, the feed's
LISTEN connection hears it, and a cached lookup is dropped at once; with the listener killed
(``pg_terminate_backend``) nothing is cached and every lookup reads the database."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import SqlaTenantDirectory, SqlaUnitOfWorkFactory, create_engine
from micropay.adapters.persistence.api_key_cache import ApiKeyCache, CachingTenantDirectory
from micropay.adapters.realtime import PgListenNotifyChangeFeed, asyncpg_dsn
from micropay.domain.model import api_keys
from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.environment import Tenant
from tests import pg
from tests.integration.persistence.builders import NOW, new_id, new_tenant, seed_merchant

pytestmark = pytest.mark.postgres


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def feed(postgres_url: str) -> AsyncIterator[PgListenNotifyChangeFeed]:
    # A long backoff: once its backend is terminated, the feed certainly stays down for >= 1.5 s.
    feed = PgListenNotifyChangeFeed(asyncpg_dsn(postgres_url), min_backoff=3.0, max_backoff=3.0)
    await feed.start()
    assert feed.listening
    yield feed
    await feed.stop()


class Counting(SqlaTenantDirectory):
    """The real directory, counting the lookups that reach the database."""

    reads = 0

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        self.reads += 1
        return await super().find_api_key(key_hash)


async def _issue(factory: SqlaUnitOfWorkFactory, tenant: Tenant) -> tuple[ApiKey, str]:
    raw = api_keys.format_key(KeyType.SECRET, tenant.environment, secrets.token_hex(16))
    key = ApiKey(
        id=new_id("key"),
        merchant_id=tenant.merchant_id,
        environment=tenant.environment,
        type=KeyType.SECRET,
        key_hash=api_keys.hash_key(raw),
        display_prefix=api_keys.display_prefix(raw),
        created=NOW,
    )
    async with factory(tenant) as uow:
        await uow.api_keys.add(key)
        await uow.commit()
    return key, raw


async def _expire(factory: SqlaUnitOfWorkFactory, tenant: Tenant, key: ApiKey, at: int) -> None:
    async with factory(tenant) as uow:
        await uow.api_keys.set_expiry(key.id, at)
        await uow.commit()


async def _until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.005)):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("not reached in time")


async def test_a_cached_key_is_dropped_when_its_row_changes_and_nothing_is_cached_without_a_listener(
    engine: AsyncEngine, feed: PgListenNotifyChangeFeed, postgres_url: str
) -> None:
    factory = SqlaUnitOfWorkFactory(engine)
    tenant = new_tenant()
    await seed_merchant(factory, tenant)
    key, _ = await _issue(factory, tenant)
    cache = ApiKeyCache()
    feed.observe(cache)
    inner = Counting(engine)
    directory = CachingTenantDirectory(inner, cache)

    assert await directory.find_api_key(key.key_hash) == key
    assert await directory.find_api_key(key.key_hash) == key
    assert inner.reads == 1  # the second answer came from the cache

    await _expire(factory, tenant, key, NOW)  # a roll: expires_at set, committed
    await _until(lambda: len(cache) == 0)
    found = await directory.find_api_key(key.key_hash)
    assert found is not None
    assert found.expires_at == NOW
    assert inner.reads == 2

    # Kill the listener: from then on every lookup reads the database, and a change is seen at once.
    assert await directory.find_api_key(key.key_hash) == found
    assert inner.reads == 2
    admin = await asyncpg.connect(asyncpg_dsn(postgres_url))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", feed.backend_pid)
    finally:
        await admin.close()
    await _until(lambda: not feed.listening)
    assert not cache.live
    assert len(cache) == 0
    before = inner.reads
    for expires_at in (NOW + 1, NOW + 2, NOW + 3):
        await _expire(factory, tenant, key, expires_at)
        answer = await directory.find_api_key(key.key_hash)
        assert answer is not None
        assert answer.expires_at == expires_at
    assert inner.reads == before + 3
    assert len(cache) == 0

    # Back: the cache starts empty and fills again.
    assert await feed.wait_listening(10.0)
    assert cache.live
    assert len(cache) == 0
    await directory.find_api_key(key.key_hash)
    await directory.find_api_key(key.key_hash)
    assert inner.reads == before + 4


async def test_deleting_or_truncating_keys_is_announced() -> None:
    heard: list[str] = []

    class Recorder:
        def listening_changed(self, live: bool) -> None: ...

        def api_key_changed(self, key_hash: str) -> None:
            heard.append(key_hash)

        def changed(self, change: object) -> None: ...

    with pg.postgres_database() as url:  # its own: this test truncates the keys table
        engine = create_engine(url, pool_size=2)
        feed = PgListenNotifyChangeFeed(asyncpg_dsn(url))
        await feed.start()
        admin = await asyncpg.connect(asyncpg_dsn(url))
        try:
            feed.observe(Recorder())  # type: ignore[arg-type]
            factory = SqlaUnitOfWorkFactory(engine)
            tenant = new_tenant()
            await seed_merchant(factory, tenant)
            key, _ = await _issue(factory, tenant)
            other, _ = await _issue(factory, tenant)
            await asyncio.sleep(0.2)
            assert heard == []  # inserts announce nothing
            await admin.execute("DELETE FROM micropay_api_keys WHERE id = $1", key.id)
            await _until(lambda: heard == [key.key_hash])
            for statement in ("UPDATE micropay_api_keys SET revoked_at = 1", "TRUNCATE micropay_api_keys"):
                transaction = admin.transaction()
                await transaction.start()
                await admin.execute(statement)
                await transaction.rollback()  # rolled back: announces nothing
            await asyncio.sleep(0.2)
            assert heard == [key.key_hash]
            await admin.execute("UPDATE micropay_api_keys SET revoked_at = 1")
            await _until(lambda: heard == [key.key_hash, other.key_hash])
            await admin.execute("TRUNCATE micropay_api_keys")
            await _until(lambda: heard[-1:] == ["*"])
        finally:
            await admin.close()
            await feed.stop()
            await engine.dispose()
