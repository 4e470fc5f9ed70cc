"""The database goes away and comes back: 503 from every endpoint meanwhile, nothing half-written,
and the service recovers by itself (contract §2, the seed's failure table).

This test owns a Postgres database of its own, so taking it away disturbs no other test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests import pg
from tests.e2e.client import Api, Merchant, bearer, check_response
from tests.e2e.harness import Stack, running_stack


@pytest.fixture
def own_stack() -> Iterator[tuple[Stack, str]]:
    pg.require_postgres()
    with pg.postgres_database() as url, running_stack(url, "postgres") as stack:
        yield stack, str(make_url(url).database)


def _take_database_away(name: str) -> None:
    pg._admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    pg._admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")


def _bring_database_back(name: str) -> None:
    pg._admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


async def test_every_endpoint_answers_503_while_the_database_is_down_and_recovers(
    own_stack: tuple[Stack, str],
) -> None:
    stack, database = own_stack
    created = await stack.create_merchant()
    merchant = Merchant.of(created)
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=15.0, event_hooks={"response": [check_response]}
    ) as http:
        api = Api(http)
        before = await api.create_ok(merchant.sk_test)

        _take_database_away(database)
        try:
            key = bearer(merchant.sk_test)
            answers = [
                await http.get("/readyz"),
                await http.get(f"/v1/payment_intents/{before['id']}", headers=key),
                await http.get("/v1/payment_intents", headers=key),
                await http.post("/v1/payment_intents", json={"amount": 1000, "currency": "kes"}, headers=key),
                await http.post(f"/v1/payment_intents/{before['id']}/confirm", json={}, headers=key),
                await http.post("/webhooks/mpesa/" + "A" * 32, json={"Body": {}}),
            ]
            for answer in answers:
                assert answer.status_code == 503, (answer.request.url, answer.text)
                assert answer.headers["Retry-After"]
            assert answers[1].json()["error"]["code"] == "storage_unavailable"
            assert (await http.get("/healthz")).status_code == 200
        finally:
            _bring_database_back(database)

        for _ in range(100):  # bounded: the pool reconnects on its own
            if (await http.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.05)
        after = (await api.list_intents(merchant.sk_test)).json()["data"]
        assert [intent["id"] for intent in after] == [before["id"]]  # the POST during the outage wrote nothing
        assert (await api.intent(merchant.sk_test, before["id"]))["status"] == "requires_payment_method"
        assert (await api.create_ok(merchant.sk_test))["status"] == "requires_payment_method"
