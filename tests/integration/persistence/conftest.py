"""An engine and the persistence bundle over each backend (see ``tests/conftest.py`` for the databases)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import Persistence, build_persistence, create_engine
from micropay.domain.model.environment import Tenant
from tests.integration.persistence.builders import new_tenant, seed_merchant


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture
def persistence(engine: AsyncEngine) -> Persistence:
    return build_persistence(engine)


@pytest.fixture
async def tenant(persistence: Persistence) -> Tenant:
    """A merchant of its own (sandbox), so tests sharing one Postgres database never see each other."""
    tenant = new_tenant()
    await seed_merchant(persistence.uow_factory, tenant)
    return tenant
