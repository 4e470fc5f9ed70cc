"""CORS (contract §11): the publishable-key routes answer any origin, the rest only MICROPAY_CORS_ORIGINS.

One stack of its own (SQLite; CORS does not depend on the database) with one listed origin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests import pg
from tests.e2e.client import Api, Merchant, bearer, check_response
from tests.e2e.harness import Stack, running_stack

LISTED = "https://dashboard.example"
SHOP = "https://shop.example"


@pytest.fixture(scope="module")
def cors_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    url = pg.migrated_sqlite_file(Path(tmp_path_factory.mktemp("cors")) / "micropay.db")
    with running_stack(url, "sqlite", cors_origins=f"{LISTED}, http://localhost:5173") as stack:
        yield stack


@pytest.fixture
async def client(cors_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=cors_stack.api_url, timeout=10.0, event_hooks={"response": [check_response]}
    ) as http:
        yield http


@pytest.fixture
async def seller(cors_stack: Stack) -> Merchant:
    return Merchant.of(await cors_stack.create_merchant())


def preflight(method: str, headers: str = "authorization, content-type") -> dict[str, str]:
    return {"Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


async def test_the_publishable_key_routes_answer_any_origin_with_a_preflight(
    client: httpx.AsyncClient, seller: Merchant
) -> None:
    intent = await Api(client).create_ok(seller.sk_test)
    base = f"/v1/payment_intents/{intent['id']}"
    for path, method in (
        (base, "GET"),
        (f"{base}/confirm", "POST"),
        (f"{base}/wait", "GET"),
        (f"{base}/stream", "GET"),
    ):
        answer = await client.options(path, headers={"Origin": SHOP, **preflight(method)})
        assert answer.status_code == 204, path
        assert answer.headers["access-control-allow-origin"] == "*"
        assert method in answer.headers["access-control-allow-methods"]
        allowed = answer.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed
        assert "content-type" in allowed
        assert "last-event-id" in allowed

    params = {"client_secret": intent["client_secret"]}
    retrieved = await client.get(base, params=params, headers={"Origin": SHOP, **bearer(seller.pk_test)})
    waited = await client.get(
        f"{base}/wait", params={**params, "timeout": 1}, headers={"Origin": SHOP, **bearer(seller.pk_test)}
    )
    for answer in (retrieved, waited):
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in answer.headers
        exposed = answer.headers["access-control-expose-headers"].lower()
        assert "micropay-wait" in exposed
        assert "request-id" in exposed


async def test_errors_of_a_public_route_are_readable_cross_origin(client: httpx.AsyncClient) -> None:
    answer = await client.get("/v1/payment_intents/pi_nope", headers={"Origin": SHOP})
    assert answer.status_code == 401
    assert answer.headers["access-control-allow-origin"] == "*"


async def test_other_routes_send_no_cors_headers_to_an_unlisted_origin(
    client: httpx.AsyncClient, seller: Merchant
) -> None:
    intent = await Api(client).create_ok(seller.sk_test)
    requests = [
        client.options("/v1/payment_intents", headers={"Origin": SHOP, **preflight("POST")}),
        client.get("/v1/payment_intents", headers={"Origin": SHOP, **bearer(seller.sk_test)}),
        client.options(f"/v1/payment_intents/{intent['id']}/cancel", headers={"Origin": SHOP, **preflight("POST")}),
        client.get(f"/v1/payment_intents/{intent['id']}/attempts", headers={"Origin": SHOP, **bearer(seller.sk_test)}),
        client.get("/healthz", headers={"Origin": SHOP}),
    ]
    for request in requests:
        answer = await request
        assert not [name for name in answer.headers if name.lower().startswith("access-control-")], answer.request.url


async def test_a_listed_origin_may_call_every_route_with_credentials(
    client: httpx.AsyncClient, seller: Merchant
) -> None:
    answer = await client.options("/v1/payment_intents", headers={"Origin": LISTED, **preflight("POST")})
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == LISTED
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert answer.headers["vary"] == "Origin"

    listed = await client.get(
        "/v1/payment_intents", headers={"Origin": "http://localhost:5173", **bearer(seller.sk_test)}
    )
    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == "http://localhost:5173"


async def test_same_origin_requests_get_no_cors_headers(client: httpx.AsyncClient, seller: Merchant) -> None:
    intent = await Api(client).create_ok(seller.sk_test)
    answer = await client.get(f"/v1/payment_intents/{intent['id']}", headers=bearer(seller.sk_test))
    assert "access-control-allow-origin" not in answer.headers
