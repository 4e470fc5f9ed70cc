"""``GET /v1/payment_intents/{id}/stream`` and ``GET /v1/events/stream`` over real HTTP, on SQLite and
Postgres (contract §11): frames, history and resume with nothing missed or repeated, keys.

Streams are read with a client of their own: the universal response hook reads whole bodies, which a
stream never ends.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.client import Api, Merchant, bearer, of_kind
from tests.e2e.harness import Stack, success_callback
from tests.e2e.realtime.sse import open_stream

AMOUNT = 2300


@pytest.fixture
async def raw(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=10.0) as client:
        yield client


async def pushed(api: Api, merchant: Merchant, stack: Stack, **fields: Any) -> tuple[dict[str, Any], str]:
    intent = await api.create_ok(merchant.sk_test, amount=AMOUNT, phone_number="254711000099", **fields)
    confirmed = await api.confirm(merchant.sk_test, intent["id"])
    assert confirmed.json()["status"] == "processing"
    (push,) = of_kind(await api.attempts(merchant.sk_test, intent["id"]), "stk_push")
    return confirmed.json(), stack.tokens.token_for_hint(push["callback_token"])


async def succeed(api: Api, token: str, intent: dict[str, Any]) -> None:
    body = success_callback(intent["mpesa"]["checkout_request_id"], amount_shillings=AMOUNT / 100)
    assert (await api.callback(token, body)).status_code == 200


def error(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["request-id"].startswith("req_")
    body: dict[str, Any] = response.json()["error"]
    assert body["request_id"] == response.headers["request-id"]
    assert body["type"]
    assert body["message"]
    return body


async def test_an_intent_stream_gives_its_history_then_each_change_as_it_commits(
    api: Api, raw: httpx.AsyncClient, merchant: Merchant, stack: Stack
) -> None:
    intent, token = await pushed(api, merchant, stack)
    path = f"/v1/payment_intents/{intent['id']}/stream"
    async with open_stream(raw, path, headers=bearer(merchant.sk_test)) as stream:
        assert stream.response.status_code == 200
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        assert stream.response.headers["cache-control"] == "no-cache"
        history = await stream.events(2)
        assert [f.type for f in history] == ["payment_intent.created", "payment_intent.processing"]

        await succeed(api, token, intent)
        handled = time.monotonic()
        succeeded = await stream.event()
        assert time.monotonic() - handled < 1.0

    assert succeeded.type == "payment_intent.succeeded"
    assert succeeded.id.startswith("evt_")
    assert succeeded.data["object"] == "event"
    assert succeeded.data["data"]["object"]["status"] == "succeeded"
    # data is exactly the event object the API serves
    assert succeeded.data == (await api.http.get(f"/v1/events/{succeeded.id}", headers=bearer(merchant.sk_test))).json()


async def test_resuming_from_last_event_id_or_after_misses_and_repeats_nothing(
    api: Api, raw: httpx.AsyncClient, merchant: Merchant, stack: Stack
) -> None:
    intent, token = await pushed(api, merchant, stack)
    path = f"/v1/payment_intents/{intent['id']}/stream"
    async with open_stream(raw, path, headers=bearer(merchant.sk_test)) as stream:
        first = await stream.event()
    assert first.type == "payment_intent.created"

    await succeed(api, token, intent)  # committed while nobody was connected

    async with open_stream(raw, path, headers={**bearer(merchant.sk_test), "Last-Event-ID": first.id}) as stream:
        rest = await stream.events(2)
        await stream.nothing_for(0.3)
    assert [f.type for f in rest] == ["payment_intent.processing", "payment_intent.succeeded"]

    # EventSource reconnects to the same URL (?after= stays) with a newer Last-Event-ID: the header wins.
    params = {"after": first.id}
    async with open_stream(
        raw, path, headers={**bearer(merchant.sk_test), "Last-Event-ID": rest[0].id}, params=params
    ) as stream:
        assert [f.id for f in [await stream.event()]] == [rest[1].id]
    async with open_stream(raw, path, headers=bearer(merchant.sk_test), params={"after": rest[1].id}) as stream:
        await stream.nothing_for(0.3)


async def test_the_account_stream_starts_now_and_follows_every_intent(
    api: Api, raw: httpx.AsyncClient, merchant: Merchant, stack: Stack
) -> None:
    await api.create_ok(merchant.sk_test)  # before the stream: not sent
    async with open_stream(raw, "/v1/events/stream", headers=bearer(merchant.sk_test)) as stream:
        await stream.nothing_for(0.3)
        one = await api.create_ok(merchant.sk_test)
        two = await api.create_ok(merchant.sk_test)
        assert (await api.cancel(merchant.sk_test, one["id"])).status_code == 200
        frames = await stream.events(3)
    assert [(f.type, f.data["data"]["object"]["id"]) for f in frames] == [
        ("payment_intent.created", one["id"]),
        ("payment_intent.created", two["id"]),
        ("payment_intent.canceled", one["id"]),
    ]
    async with open_stream(
        raw, "/v1/events/stream", headers=bearer(merchant.sk_test), params={"after": frames[0].id}
    ) as stream:
        assert [f.id for f in await stream.events(2)] == [f.id for f in frames[1:]]


async def test_the_account_stream_sees_only_its_own_tenant(
    api: Api, raw: httpx.AsyncClient, merchant: Merchant, other_merchant: Merchant
) -> None:
    async with open_stream(raw, "/v1/events/stream", headers=bearer(merchant.sk_test)) as stream:
        await api.create_ok(other_merchant.sk_test)
        await api.create_ok(merchant.sk_live)  # same merchant, production
        mine = await api.create_ok(merchant.sk_test)
        assert (await stream.event()).data["data"]["object"]["id"] == mine["id"]


async def test_a_publishable_key_streams_its_intent_from_query_parameters_in_the_reduced_view(
    api: Api, raw: httpx.AsyncClient, merchant: Merchant
) -> None:
    created = await api.create_ok(merchant.sk_test, metadata={"order": "1001"}, idempotency_key="order-1001")
    path = f"/v1/payment_intents/{created['id']}/stream"
    params = {"key": merchant.pk_test, "client_secret": created["client_secret"]}
    async with open_stream(raw, path, params=params, headers={"Origin": "https://shop.example"}) as stream:
        assert stream.response.status_code == 200
        assert stream.response.headers["access-control-allow-origin"] == "*"
        frame = await stream.event()
    assert frame.type == "payment_intent.created"
    assert "metadata" not in frame.data["data"]["object"]
    assert frame.data["request"] is None  # the merchant's own request id and idempotency key stay private


async def test_stream_keys_and_cursors_are_checked_before_streaming(
    api: Api, raw: httpx.AsyncClient, merchant: Merchant, other_merchant: Merchant
) -> None:
    created = await api.create_ok(merchant.sk_test)
    other = await api.create_ok(merchant.sk_test)
    path = f"/v1/payment_intents/{created['id']}/stream"
    secret = created["client_secret"]
    async with open_stream(raw, f"/v1/payment_intents/{other['id']}/stream", headers=bearer(merchant.sk_test)) as s:
        others_event = (await s.event()).id

    cases: list[tuple[dict[str, str], dict[str, str], int, str | None, str]] = [
        ({}, {"key": merchant.pk_test}, 403, None, "publishable_key_forbidden"),
        ({}, {"key": merchant.pk_test, "client_secret": f"{created['id']}_secret_x"}, 404, "id", "resource_missing"),
        ({}, {"key": merchant.sk_test, "client_secret": secret}, 400, "key", "parameter_invalid"),
        ({}, {}, 401, None, "api_key_invalid"),
        (bearer(other_merchant.sk_test), {}, 404, "id", "resource_missing"),
        (bearer(merchant.sk_test), {"after": "evt_nope"}, 400, "after", "parameter_invalid"),
        (bearer(merchant.sk_test), {"after": others_event}, 400, "after", "parameter_invalid"),
        (
            {**bearer(merchant.sk_test), "Last-Event-ID": "evt_0000000000000000000000"},
            {},
            400,
            "Last-Event-ID",
            "parameter_invalid",
        ),
    ]
    for headers, params, status, param, code in cases:
        async with open_stream(raw, path, headers=headers, params=params) as stream:
            assert stream.response.status_code == status, (headers, params, stream.response.text)
            body = error(stream.response)
            assert body["code"] == code
            assert body.get("param") == param

    async with open_stream(raw, "/v1/events/stream", headers=bearer(merchant.pk_test)) as stream:
        assert stream.response.status_code == 403
    async with open_stream(raw, "/v1/events/stream", params={"key": merchant.pk_test}) as stream:
        assert stream.response.status_code == 401  # query keys are for the intent stream only
