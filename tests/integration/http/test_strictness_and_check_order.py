"""Issue 10, defects 3 and 4: authenticate and authorize before reading the body; JSON booleans and integers
strictly everywhere (the field named in ``param``); a publishable-key confirm shows the reduced view.

In process (one backend); ``tests/e2e/test_strictness_and_check_order.py`` keeps smoke cases per backend."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.client import Api, Merchant, bearer, error_of

SECRET_ONLY_POSTS = [
    "/v1/payment_intents",
    "/v1/payment_intents/pi_000000000000000000000001/cancel",
    "/v1/payment_intents/pi_000000000000000000000001/reconcile",
    "/v1/api_keys/roll",
    "/v1/webhook_endpoints",
    "/v1/webhook_endpoints/we_000000000000000000000001",
    "/v1/webhook_endpoints/we_000000000000000000000001/rotate_secret",
    "/v1/webhook_endpoints/we_000000000000000000000001/recover",
    "/v1/events/evt_000000000000000000000001/retry",
    "/v1/users",
]


@pytest.mark.parametrize("path", SECRET_ONLY_POSTS)
async def test_a_publishable_key_is_refused_before_its_body_is_read(api: Api, merchant: Merchant, path: str) -> None:
    response = await api.http.post(path, json={"no_such_field": 1}, headers=bearer(merchant.pk_test))
    assert response.status_code == 403, response.text
    assert error_of(response)["type"] == "permission_error"
    put = await api.http.put("/v1/mpesa_credentials", json={"no_such_field": 1}, headers=bearer(merchant.pk_test))
    assert put.status_code == 403, put.text


@pytest.mark.parametrize("path", [*SECRET_ONLY_POSTS, "/v1/payment_intents/pi_000000000000000000000001/confirm"])
async def test_no_key_is_401_before_any_400(api: Api, path: str) -> None:
    response = await api.http.post(path, json={"no_such_field": 1})
    assert response.status_code == 401, response.text
    assert error_of(response)["type"] == "authentication_error"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"confirm": "true"}, "confirm"),
        ({"confirm": 1}, "confirm"),
        ({"confirm": 0}, "confirm"),
        ({"amount": "1500"}, "amount"),
        ({"description": 5}, "description"),
    ],
)
async def test_create_takes_json_booleans_and_integers_only(
    api: Api, merchant: Merchant, body: dict[str, Any], param: str
) -> None:
    response = await api.create(merchant.sk_test, body)
    assert response.status_code == 400, response.text
    assert error_of(response)["param"] == param


@pytest.mark.parametrize("expires_in", ["10", 10.0, True])
async def test_roll_takes_an_integer_expires_in(api: Api, merchant: Merchant, expires_in: object) -> None:
    response = await api.http.post(
        "/v1/api_keys/roll", json={"type": "publishable", "expires_in": expires_in}, headers=bearer(merchant.sk_test)
    )
    assert response.status_code == 400, response.text
    assert (error_of(response)["code"], error_of(response)["param"]) == ("parameter_invalid", "expires_in")


@pytest.mark.parametrize("limit", ["1e2", "10.0", "+5", " 5", "0x10"])
async def test_query_limits_are_decimal_integers(api: Api, merchant: Merchant, limit: str) -> None:
    intent = await api.create_ok(merchant.sk_test)
    for path in ("/v1/payment_intents", f"/v1/payment_intents/{intent['id']}/attempts", "/v1/events"):
        response = await api.http.get(path, params={"limit": limit}, headers=bearer(merchant.sk_test))
        assert response.status_code == 400, (path, response.text)
        assert error_of(response)["param"] == "limit"
    good = await api.http.get("/v1/payment_intents", params={"limit": "100"}, headers=bearer(merchant.sk_test))
    assert good.status_code == 200


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"url": "https://shop.example/hooks", "enabled_events": ["*"], "description": 5}, "description"),
        ({"url": 7, "enabled_events": ["*"]}, "url"),
    ],
)
async def test_webhook_endpoint_bodies_are_strict(
    api: Api, merchant: Merchant, body: dict[str, Any], param: str
) -> None:
    response = await api.http.post("/v1/webhook_endpoints", json=body, headers=bearer(merchant.sk_test))
    assert response.status_code == 400, response.text
    assert error_of(response)["param"] == param


@pytest.mark.parametrize("disabled", ["true", 1, 0])
async def test_an_endpoint_update_takes_a_json_boolean(api: Api, merchant: Merchant, disabled: object) -> None:
    created = await api.http.post(
        "/v1/webhook_endpoints",
        json={"url": "https://shop.example/hooks", "enabled_events": ["*"]},
        headers=bearer(merchant.sk_test),
    )
    assert created.status_code == 201, created.text
    response = await api.http.post(
        f"/v1/webhook_endpoints/{created.json()['id']}", json={"disabled": disabled}, headers=bearer(merchant.sk_test)
    )
    assert response.status_code == 400, response.text
    assert error_of(response)["param"] == "disabled"
