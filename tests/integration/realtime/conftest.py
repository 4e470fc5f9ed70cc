"""A started change feed and the persistence that announces to it, over each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import Persistence, build_persistence, create_engine
from micropay.adapters.realtime import ManagedChangeFeed, build_change_feed
from micropay.domain.model.environment import Tenant
from tests.integration.persistence.builders import new_tenant, seed_merchant


@pytest.fixture
async def feed(database_url: str) -> AsyncIterator[ManagedChangeFeed]:
    feed = build_change_feed(database_url)
    await feed.start()
    yield feed
    await feed.stop()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture
def persistence(engine: AsyncEngine, feed: ManagedChangeFeed) -> Persistence:
    return build_persistence(engine, after_commit=feed.publish)


@pytest.fixture
async def tenant(persistence: Persistence) -> Tenant:
    tenant = new_tenant()
    await seed_merchant(persistence.uow_factory, tenant)
    return tenant
