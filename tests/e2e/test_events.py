"""Events over HTTP (docs/api.md "Events"), on both backends: one per status change, with the request that
caused it, listed newest first with filters, and one intent's oldest first."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.client import Api, Merchant, bearer, error_of
from tests.e2e.harness import Stack, success_callback
from tests.e2e.test_callbacks import AMOUNT, pushed


async def _events(http: httpx.AsyncClient, key: str, path: str = "/v1/events", **params: Any) -> httpx.Response:
    return await http.get(path, params=params, headers=bearer(key))


async def _intent_events(api: Api, key: str, intent_id: str) -> list[dict[str, Any]]:
    response = await _events(api.http, key, f"/v1/payment_intents/{intent_id}/events")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["object"], body["has_more"]) == ("list", False)
    data: list[dict[str, Any]] = body["data"]
    return data


async def test_a_paid_intent_leaves_created_processing_succeeded(api: Api, merchant: Merchant) -> None:
    created = await api.create(
        merchant.sk_test, idempotency_key="order-e2e-1", amount=1500, phone_number="254708374149", confirm=True
    )
    assert created.status_code == 201, created.text
    intent_id = created.json()["id"]
    done = await api.wait_for_status(merchant.sk_test, intent_id, ["succeeded"])

    events = await _intent_events(api, merchant.sk_test, intent_id)

    assert [e["type"] for e in events] == [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.succeeded",
    ]
    request = {"id": created.headers["Request-Id"], "idempotency_key": "order-e2e-1"}
    assert [e["request"] for e in events] == [request, request, None]  # the last one came from the callback
    for event in events:
        assert event["id"].startswith("evt_")
        assert (event["object"], event["livemode"], event["api_version"]) == ("event", False, "2026-12-01")
        assert event["pending_webhooks"] == 0
        assert event["data"]["object"]["id"] == intent_id
        assert event["data"]["object"]["client_secret"] is None
    assert [e["data"]["object"]["status"] for e in events] == ["requires_payment_method", "processing", "succeeded"]
    assert events[-1]["data"]["object"] == {**done, "client_secret": None}
    retrieved = await _events(api.http, merchant.sk_test, f"/v1/events/{events[-1]['id']}")
    assert retrieved.status_code == 200
    assert retrieved.json() == events[-1]


async def test_listing_filters_and_pages_newest_first(api: Api, merchant: Merchant) -> None:
    first = await api.create_ok(merchant.sk_test)
    canceled = await api.cancel(merchant.sk_test, first["id"])
    assert canceled.status_code == 200
    second = await api.create_ok(merchant.sk_test)
    key = merchant.sk_test

    everything = (await _events(api.http, key)).json()
    assert [(e["type"], e["data"]["object"]["id"]) for e in everything["data"]] == [
        ("payment_intent.created", second["id"]),
        ("payment_intent.canceled", first["id"]),
        ("payment_intent.created", first["id"]),
    ]
    ids = [e["id"] for e in everything["data"]]
    page = (await _events(api.http, key, limit="1", starting_after=ids[0])).json()
    assert ([e["id"] for e in page["data"]], page["has_more"]) == ([ids[1]], True)
    back = (await _events(api.http, key, ending_before=ids[2])).json()
    assert [e["id"] for e in back["data"]] == ids[:2]
    exact = (await _events(api.http, key, type="payment_intent.canceled")).json()
    assert [e["id"] for e in exact["data"]] == [ids[1]]
    prefix = (await _events(api.http, key, type="payment_intent.*")).json()
    assert [e["id"] for e in prefix["data"]] == ids
    several = await api.http.get(
        "/v1/events?types[]=payment_intent.canceled&types[]=payment_intent.succeeded", headers=bearer(key)
    )
    assert [e["id"] for e in several.json()["data"]] == [ids[1]]
    created = everything["data"][0]["created"]
    later = (await _events(api.http, key, **{"created[gt]": str(created)})).json()
    assert later["data"] == []
    upto = (await _events(api.http, key, **{"created[lte]": str(created)})).json()
    assert [e["id"] for e in upto["data"]] == ids


async def test_bad_filters_name_their_parameter(api: Api, merchant: Merchant) -> None:
    cases = [
        ({"limit": "1e2"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"type": "payment_intent.refunded"}, "type"),
        ({"created[gte]": "soon"}, "created[gte]"),
        ({"starting_after": "pi_000000000000000000000001"}, "starting_after"),
    ]
    for params, param in cases:
        response = await _events(api.http, merchant.sk_test, **params)
        assert response.status_code == 400, (params, response.text)
        assert error_of(response)["param"] == param
    too_many = "&".join(["types[]=payment_intent.created"] * 21)
    response = await api.http.get(f"/v1/events?{too_many}", headers=bearer(merchant.sk_test))
    assert (response.status_code, error_of(response)["param"]) == (400, "types")
    both = await api.http.get(
        "/v1/events?type=payment_intent.*&types[]=payment_intent.created", headers=bearer(merchant.sk_test)
    )
    assert (both.status_code, error_of(both)["param"]) == (400, "types")


async def test_events_are_the_merchants_own_and_secret_key_only(
    api: Api, merchant: Merchant, other_merchant: Merchant
) -> None:
    intent = await api.create_ok(merchant.sk_test)
    (event,) = await _intent_events(api, merchant.sk_test, intent["id"])

    assert (await _events(api.http, other_merchant.sk_test, f"/v1/events/{event['id']}")).status_code == 404
    assert (
        await _events(api.http, other_merchant.sk_test, f"/v1/payment_intents/{intent['id']}/events")
    ).status_code == 404
    assert (await _events(api.http, other_merchant.sk_test)).json()["data"] == []
    assert (await _events(api.http, merchant.sk_live)).json()["data"] == []  # the other environment
    for path in ("/v1/events", f"/v1/events/{event['id']}", f"/v1/payment_intents/{intent['id']}/events"):
        response = await _events(api.http, merchant.pk_test, path)
        assert response.status_code == 403, path
        assert error_of(response)["type"] == "permission_error"
    assert (await _events(api.http, merchant.sk_test, "/v1/events/evt_nope")).status_code == 404


async def test_a_refused_amount_leaves_an_amount_mismatch_event(api: Api, merchant: Merchant, stack: Stack) -> None:
    intent, token = await pushed(api, merchant, stack)
    body = success_callback(intent["mpesa"]["checkout_request_id"], amount_shillings=1.0)

    assert (await api.callback(token, body)).status_code == 200

    events = await _intent_events(api, merchant.sk_test, intent["id"])
    assert [e["type"] for e in events] == [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.amount_mismatch",
    ]
    assert events[-1]["request"] is None
    assert events[-1]["data"]["object"]["status"] == "processing"
    assert events[-1]["data"]["object"]["amount"] == AMOUNT
