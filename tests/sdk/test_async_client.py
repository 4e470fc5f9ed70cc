"""``AsyncMicropay`` makes the same retry and error decisions as the sync client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from micropay_sdk import APIConnectionError, AsyncMicropay, InvalidRequestError, ProviderError, RetryPolicy

from tests.sdk.double import (
    API_KEY,
    NO_BACKOFF,
    ScriptedServer,
    error_response,
    intent_body,
    json_response,
    page_body,
)
from tests.sdk.test_requests import DELIVERY, ENDPOINT, event_body


async def test_retries_reuse_the_key_and_honour_retry_after() -> None:
    busy = error_response(409, "idempotency_error", "idempotency_key_in_use", headers={"Retry-After": "2"})
    server = ScriptedServer(busy, httpx.ConnectError("reset"), json_response(200, intent_body(status="processing")))

    async with server.async_client(retry=RetryPolicy()) as client:
        intent = await client.payment_intents.confirm("pi_" + "1" * 24, phone_number="0708374149")

    assert intent.status == "processing"
    assert len(server.requests) == 3
    assert len(set(server.keys())) == 1
    assert server.sleeps[0] >= 2.0
    assert len(server.sleeps) == 2


async def test_errors_by_type_and_no_retry_on_4xx() -> None:
    server = ScriptedServer(error_response(400, "invalid_request_error", "amount_invalid", param="amount"))

    async with server.async_client(retry=NO_BACKOFF) as client:
        with pytest.raises(InvalidRequestError) as caught:
            await client.payment_intents.create(amount=150, currency="kes")

    assert caught.value.param == "amount"
    assert len(server.requests) == 1


async def test_503_past_the_retries() -> None:
    server = ScriptedServer(error_response(503, "provider_error", "provider_unavailable", headers={"Retry-After": "1"}))

    async with server.async_client(retry=NO_BACKOFF) as client:
        with pytest.raises(ProviderError):
            await client.payment_intents.reconcile("pi_" + "1" * 24)

    assert len(server.requests) == 3


async def test_an_owned_http_client_is_closed() -> None:
    client = AsyncMicropay(API_KEY, "http://127.0.0.1:9")
    await client.aclose()

    assert client._requester._http.is_closed  # the pool it made itself


@pytest.mark.parametrize(
    ("call", "path", "answer"),
    [
        (lambda c: c.events.list(type="payment_intent.*"), "/v1/events", "page"),
        (lambda c: c.events.retrieve("evt_1"), "/v1/events/evt_1", "event"),
        (lambda c: c.events.deliveries("evt_1"), "/v1/events/evt_1/deliveries", "page"),
        (lambda c: c.events.retry("evt_1", endpoint="we_1"), "/v1/events/evt_1/retry", "delivery"),
        (lambda c: c.payment_intents.events("pi_1"), "/v1/payment_intents/pi_1/events", "page"),
        (lambda c: c.payment_intents.attempts("pi_1"), "/v1/payment_intents/pi_1/attempts", "page"),
        (lambda c: c.payment_intents.retrieve("pi_1"), "/v1/payment_intents/pi_1", "intent"),
        (
            lambda c: c.webhook_endpoints.create(url="https://a.example", enabled_events=["*"]),
            "/v1/webhook_endpoints",
            "endpoint",
        ),
        (lambda c: c.webhook_endpoints.list(), "/v1/webhook_endpoints", "page"),
        (lambda c: c.webhook_endpoints.retrieve("we_1"), "/v1/webhook_endpoints/we_1", "endpoint"),
        (lambda c: c.webhook_endpoints.update("we_1", disabled=False), "/v1/webhook_endpoints/we_1", "endpoint"),
        (lambda c: c.webhook_endpoints.delete("we_1"), "/v1/webhook_endpoints/we_1", "deleted"),
        (lambda c: c.webhook_endpoints.rotate_secret("we_1"), "/v1/webhook_endpoints/we_1/rotate_secret", "endpoint"),
        (lambda c: c.webhook_endpoints.deliveries("we_1"), "/v1/webhook_endpoints/we_1/deliveries", "page"),
        (lambda c: c.webhook_endpoints.recover("we_1", since=1), "/v1/webhook_endpoints/we_1/recover", "recovery"),
    ],
)
async def test_async_resources_call_the_same_routes(call: Any, path: str, answer: str) -> None:
    bodies = {
        "page": page_body([], False),
        "event": event_body(),
        "delivery": DELIVERY,
        "intent": intent_body(),
        "endpoint": ENDPOINT,
        "deleted": {"id": "we_1", "object": "webhook_endpoint", "deleted": True},
        "recovery": {"object": "webhook_recovery", "endpoint": "we_1", "since": 1, "until": 2, "rescheduled": 3},
    }
    server = ScriptedServer(json_response(200, bodies[answer]))

    async with server.async_client(retry=NO_BACKOFF) as client:
        result = await call(client)

    assert server.requests[0].url.path == path
    assert result is not None


async def test_a_transport_error_that_cannot_succeed_is_not_retried() -> None:
    server = ScriptedServer(httpx.UnsupportedProtocol("no"))

    async with server.async_client(retry=NO_BACKOFF) as client:
        with pytest.raises(APIConnectionError):
            await client.payment_intents.list()

    assert len(server.requests) == 1
