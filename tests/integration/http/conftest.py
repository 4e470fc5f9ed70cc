"""In-process API fixtures: ``create_app`` on one backend (SQLite), called through Litestar's test client.

The middle of the pyramid: the validation, authentication and strictness matrices run here, against the
app ``create_app`` builds (every middleware, guard, decoder and use case, on a migrated SQLite file), without
uvicorn or a socket in front of it. The Daraja simulator is the fake of Daraja; it is served on loopback
in a background thread as in ``tests/e2e``, because the app's gateway speaks HTTP to it. Callbacks from the
simulator cannot reach an app that has no socket, so the flows that wait for a callback stay in ``tests/e2e``,
which also keeps a few smoke cases of each matrix per backend.

The fixtures have the e2e names and shapes (``stack``, ``http``, ``api``, ``merchant``, ``other_merchant``),
so a test moved here keeps its body and its assertions; every response still passes ``check_response``.
The app runs in the test client's own event loop thread (its blocking portal) for the whole session, so
each test keeps its own loop, and each gets a fresh merchant.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from litestar.testing import TestClient

from micropay.adapters.system import Sha256CallbackTokenIssuer
from micropay.entrypoints.http.app import create_app
from micropay.entrypoints.simulator import create_simulator_app
from tests import pg
from tests.e2e.client import Api, Merchant
from tests.e2e.harness import (
    RecordingTokenIssuer,
    ServerLoop,
    TokenRecorderProvider,
    _bound_socket,
    _Served,
    simulator_settings,
    stack_settings,
)
from tests.integration.http.in_process import BASE_URL, InProcessStack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStack]:
    database = pg.migrated_sqlite_file(tmp_path_factory.mktemp("in-process") / "micropay.db")
    loop = ServerLoop()
    try:
        simulator = _Served(loop, create_simulator_app(simulator_settings()), _bound_socket())
        simulator.wait_started()
        try:
            settings = stack_settings(database, BASE_URL, simulator.url)
            tokens = RecordingTokenIssuer(Sha256CallbackTokenIssuer(BASE_URL))
            app = create_app(settings, TokenRecorderProvider(tokens), configure_logs=False)
            with TestClient(app, base_url=BASE_URL) as client:
                yield InProcessStack(client, settings, tokens)
        finally:
            simulator.stop()
    finally:
        loop.close()


@pytest.fixture
def http(stack: InProcessStack) -> httpx.AsyncClient:
    """A client for the app; every response goes through the contract's universal checks."""
    # (never closed: the test client's transport holds nothing; the app's loop and portal are the session's)
    return stack.http()


@pytest.fixture
def api(http: httpx.AsyncClient) -> Api:
    return Api(http)


@pytest.fixture
async def merchant(stack: InProcessStack) -> Merchant:
    return Merchant.of(await stack.create_merchant())


@pytest.fixture
async def other_merchant(stack: InProcessStack) -> Merchant:
    return Merchant.of(await stack.create_merchant("Other Shop"))
