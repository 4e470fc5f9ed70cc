"""E2E fixtures: one simulator + API pair per database backend per session, fresh merchants per test.

``stack`` is parametrised over ``sqlite`` (a migrated file of its own) and ``postgres`` (the shared fresh,
migrated session database from ``tests/conftest.py``; under ``CI=true`` it must run), so every test that
uses ``api`` or ``merchant`` runs on both backends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests import pg
from tests.e2e.client import Api, Merchant, check_response
from tests.e2e.harness import Stack, running_stack


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = pg.migrated_sqlite_file(tmp_path_factory.mktemp("e2e-sqlite") / "micropay.db")
    with running_stack(url, request.param) as running:
        yield running


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the API; every response goes through the contract's universal checks."""
    async with httpx.AsyncClient(
        base_url=stack.api_url,
        timeout=httpx.Timeout(15.0),
        event_hooks={"response": [check_response]},
        limits=httpx.Limits(max_connections=20),
    ) as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient) -> Api:
    return Api(http)


@pytest.fixture
async def merchant(stack: Stack) -> Merchant:
    return Merchant.of(await stack.create_merchant())


@pytest.fixture
async def other_merchant(stack: Stack) -> Merchant:
    return Merchant.of(await stack.create_merchant("Other Shop"))
