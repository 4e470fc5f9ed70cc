"""A payment taken through the API reaches a registered loopback endpoint as signed Standard Webhooks.

A stack of its own (private targets allowed, as ``make run`` does; a fast dispatcher poll) on SQLite and on a
Postgres database of its own: the delivery queue spans tenants, so no other stack's dispatcher may share it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from micropay_sdk.webhooks import verify as sdk_verify
from standardwebhooks import Webhook

from tests import pg
from tests.conftest import postgres_url as _postgres_url  # noqa: F401 - the skip/fail rule for Postgres
from tests.e2e.client import Api, Merchant, bearer, check_response, error_of
from tests.e2e.harness import Stack, running_stack
from tests.integration.webhooks.receiver import Receiver, Reply, running_receiver

PATH = "/v1/webhook_endpoints"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def webhook_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    options = {"webhooks_allow_private": True, "webhook_poll_interval": 0.1, "webhook_timeout": 2.0}
    if request.param == "postgres":
        pg.require_postgres()
        with pg.postgres_database() as url, running_stack(url, "postgres", **options) as stack:
            yield stack
    else:
        url = pg.migrated_sqlite_file(tmp_path_factory.mktemp("webhooks-e2e") / "micropay.db")
        with running_stack(url, "sqlite", **options) as stack:
            yield stack


@pytest.fixture
async def hooks_api(webhook_stack: Stack) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(
        base_url=webhook_stack.api_url, timeout=15.0, event_hooks={"response": [check_response]}
    ) as client:
        yield Api(client)


@pytest.fixture
async def shop(webhook_stack: Stack) -> Merchant:
    return Merchant.of(await webhook_stack.create_merchant("Webhook Shop"))


async def register(api: Api, key: str, receiver: Receiver, events: list[str] | None = None) -> dict[str, Any]:
    response = await api.http.post(
        PATH, json={"url": receiver.url + "/hooks", "enabled_events": events or ["*"]}, headers=bearer(key)
    )
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


async def received(receiver: Receiver, count: int, limit_s: float = 15.0) -> None:
    async with asyncio.timeout(limit_s):
        while len(receiver.requests()) < count:  # noqa: ASYNC110 - the receiver lives in another thread
            await asyncio.sleep(0.05)


async def test_a_paid_intent_reaches_the_endpoint_as_a_verified_payment_intent_succeeded(
    hooks_api: Api, shop: Merchant
) -> None:
    with running_receiver() as receiver:
        endpoint = await register(hooks_api, shop.sk_test, receiver)
        created = await hooks_api.create(shop.sk_test, amount=1500, phone_number="254708374149", confirm=True)
        intent_id = created.json()["id"]
        await hooks_api.wait_for_status(shop.sk_test, intent_id, ["succeeded"])
        await received(receiver, 3)
        requests = receiver.requests()

    verifier = Webhook(endpoint["secret"])
    payloads = [verifier.verify(r.body, r.headers) for r in requests]
    # the Python SDK's helper (docs/webhooks.md) verifies them too, and reads each body as its Event type
    sdk_events = [sdk_verify(r.body, r.headers, secret=endpoint["secret"], tolerance=300) for r in requests]
    assert sorted(e.type for e in sdk_events) == sorted(p["type"] for p in payloads)
    by_type = {p["type"]: (p, r) for p, r in zip(payloads, requests, strict=True)}
    assert set(by_type) == {"payment_intent.created", "payment_intent.processing", "payment_intent.succeeded"}
    succeeded, request = by_type["payment_intent.succeeded"]
    assert succeeded["data"]["object"]["id"] == intent_id
    assert succeeded["data"]["object"]["status"] == "succeeded"
    assert succeeded["pending_webhooks"] == 1  # as it was when scheduled
    assert request.headers["webhook-id"] == succeeded["id"]
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    assert request.headers["user-agent"] == "Micropay-Webhooks/1"

    # the event as the API shows it now: delivered, so nothing pending (the dispatcher records the 2xx just
    # after the receiver answered it: on a busy machine the test can ask first, so it asks for a while)
    deadline = time.monotonic() + 10
    while True:
        event = (await hooks_api.http.get(f"/v1/events/{succeeded['id']}", headers=bearer(shop.sk_test))).json()
        if event["pending_webhooks"] == 0 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert event["pending_webhooks"] == 0
    assert {k: v for k, v in event.items() if k != "pending_webhooks"} == {
        k: v for k, v in succeeded.items() if k != "pending_webhooks"
    }
    log = await hooks_api.http.get(f"/v1/events/{succeeded['id']}/deliveries", headers=bearer(shop.sk_test))
    [delivery] = log.json()["data"]
    assert (delivery["object"], delivery["status"], delivery["endpoint"]) == (
        "webhook_delivery",
        "succeeded",
        endpoint["id"],
    )
    assert delivery["attempts"][0]["http_status"] == 200
    assert delivery["next_attempt_at"] is None
    undelivered = await hooks_api.http.get(
        "/v1/events", params={"delivery_success": "false"}, headers=bearer(shop.sk_test)
    )
    assert undelivered.json()["data"] == []


async def test_a_failing_endpoint_is_listed_undelivered_then_retried_and_recovered(
    hooks_api: Api, shop: Merchant
) -> None:
    healthy = False
    with running_receiver(lambda _r: Reply() if healthy else Reply(status=500, body=b"boom")) as receiver:
        endpoint = await register(hooks_api, shop.sk_test, receiver, ["payment_intent.created"])
        created = await hooks_api.create_ok(shop.sk_test)
        await received(receiver, 1)
        await asyncio.sleep(0.3)  # the failed attempt is recorded
        undelivered = await hooks_api.http.get(
            "/v1/events", params={"delivery_success": "false"}, headers=bearer(shop.sk_test)
        )
        [event] = undelivered.json()["data"]
        assert event["data"]["object"]["id"] == created["id"]
        assert event["pending_webhooks"] == 1
        log = await hooks_api.http.get(f"{PATH}/{endpoint['id']}/deliveries", headers=bearer(shop.sk_test))
        [delivery] = log.json()["data"]
        assert delivery["status"] == "pending"
        assert delivery["next_attempt_at"] is not None
        first = delivery["attempts"][0]
        assert (first["http_status"], first["error"], first["response_excerpt"]) == (500, "HTTP 500", "boom")

        healthy = True
        retried = await hooks_api.http.post(
            f"/v1/events/{event['id']}/retry", json={"endpoint": endpoint["id"]}, headers=bearer(shop.sk_test)
        )
        assert retried.status_code == 200, retried.text
        assert retried.json()["status"] == "succeeded"
        assert retried.json()["attempts"][-1]["http_status"] == 200

        recovered = await hooks_api.http.post(
            f"{PATH}/{endpoint['id']}/recover", json={"since": int(time.time()) - 3600}, headers=bearer(shop.sk_test)
        )
        assert recovered.status_code == 202
        assert recovered.json()["rescheduled"] == 0  # nothing failed any more
    missing = await hooks_api.http.post(
        "/v1/events/evt_000000000000000000000000/retry", json={"endpoint": endpoint["id"]}, headers=bearer(shop.sk_test)
    )
    assert (missing.status_code, error_of(missing)["code"]) == (404, "resource_missing")
