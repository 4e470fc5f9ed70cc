"""``AsyncMicropay`` makes the same retry and error decisions as the sync client."""

from __future__ import annotations

import httpx
import pytest
from micropay_sdk import AsyncMicropay, InvalidRequestError, ProviderError, RetryPolicy

from tests.sdk.double import API_KEY, NO_BACKOFF, ScriptedServer, error_response, intent_body, json_response


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
