"""``/v1/webhook_endpoints`` over HTTP on the shared stacks (private targets refused there, as in production)."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from tests.e2e.client import Api, Merchant, bearer, error_of

PATH = "/v1/webhook_endpoints"
URL = "https://shop.example/hooks/micropay"


async def create(http: httpx.AsyncClient, key: str, **body: Any) -> httpx.Response:
    return await http.post(PATH, json={"url": URL, "enabled_events": ["*"], **body}, headers=bearer(key))


async def test_create_shows_the_secret_once_then_read_update_delete(api: Api, merchant: Merchant) -> None:
    http, key = api.http, merchant.sk_test
    created = await create(http, key, description="orders", enabled_events=["payment_intent.succeeded"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"].startswith("we_")
    assert len(body["id"]) == 27
    assert body["object"] == "webhook_endpoint"
    assert (body["url"], body["enabled_events"], body["description"]) == (URL, ["payment_intent.succeeded"], "orders")
    assert (body["status"], body["disabled_reason"], body["livemode"]) == ("enabled", None, False)
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) == 32
    endpoint_id = body["id"]

    retrieved = await http.get(f"{PATH}/{endpoint_id}", headers=bearer(key))
    assert retrieved.status_code == 200
    assert "secret" not in retrieved.json()
    assert retrieved.json() == {k: v for k, v in body.items() if k != "secret"}

    listed = await http.get(PATH, headers=bearer(key))
    assert [e["id"] for e in listed.json()["data"]] == [endpoint_id]
    assert "secret" not in listed.text

    updated = await http.post(
        f"{PATH}/{endpoint_id}",
        json={"disabled": True, "enabled_events": ["payment_intent.*"], "description": None},
        headers=bearer(key),
    )
    assert updated.status_code == 200, updated.text
    changed = updated.json()
    assert (changed["status"], changed["disabled_reason"]) == ("disabled", "manual")
    assert changed["enabled_events"] == ["payment_intent.*"]
    assert changed["description"] is None
    again = await http.post(f"{PATH}/{endpoint_id}", json={"disabled": False}, headers=bearer(key))
    assert (again.json()["status"], again.json()["disabled_reason"]) == ("enabled", None)

    rotated = await http.post(f"{PATH}/{endpoint_id}/rotate_secret", json={"expires_in": 0}, headers=bearer(key))
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != body["secret"]

    deleted = await http.delete(f"{PATH}/{endpoint_id}", headers=bearer(key))
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True
    gone = await http.get(f"{PATH}/{endpoint_id}", headers=bearer(key))
    assert gone.status_code == 404
    assert error_of(gone)["code"] == "resource_missing"


async def test_url_rules_and_the_ssrf_guard_refuse_with_url_invalid(api: Api, merchant: Merchant) -> None:
    refused = [
        "ftp://shop.example/hook",
        "https://user:pw@shop.example/hook",
        "https://shop.example/" + "a" * 2100,
        "http://127.0.0.1:8000/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://localhost/hook",
    ]
    for url in refused:
        response = await create(api.http, merchant.sk_test, url=url)
        assert response.status_code == 400, url
        error = error_of(response)
        assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", "url_invalid", "url")
    live = await create(api.http, merchant.sk_live, url="http://shop.example/hook")
    assert live.status_code == 400
    assert "https" in error_of(live)["message"]
    ok = await create(api.http, merchant.sk_live, url="https://shop.example/hook")
    assert ok.status_code == 201
    assert ok.json()["livemode"] is True


async def test_bad_parameters_name_their_field(api: Api, merchant: Merchant) -> None:
    cases = [
        ({"enabled_events": []}, "enabled_events"),
        ({"enabled_events": ["charge.succeeded"]}, "enabled_events"),
        ({"unknown": 1}, "unknown"),
    ]
    for body, param in cases:
        response = await create(api.http, merchant.sk_test, **body)
        assert response.status_code == 400, response.text
        assert error_of(response)["param"] == param
    missing = await api.http.post(PATH, json={"url": URL}, headers=bearer(merchant.sk_test))
    assert (missing.status_code, error_of(missing)["code"]) == (400, "parameter_missing")
    endpoint_id = (await create(api.http, merchant.sk_test)).json()["id"]
    too_long = await api.http.post(
        f"{PATH}/{endpoint_id}/rotate_secret", json={"expires_in": 86401}, headers=bearer(merchant.sk_test)
    )
    assert (too_long.status_code, error_of(too_long)["param"]) == (400, "expires_in")
    old = await api.http.post(f"{PATH}/{endpoint_id}/recover", json={"since": 1}, headers=bearer(merchant.sk_test))
    assert (old.status_code, error_of(old)["param"]) == (400, "since")


async def test_endpoints_are_the_merchants_own_and_need_a_secret_key(
    api: Api, merchant: Merchant, other_merchant: Merchant
) -> None:
    endpoint_id = (await create(api.http, merchant.sk_test)).json()["id"]
    for key in (other_merchant.sk_test, merchant.sk_live):  # another merchant, another environment
        assert (await api.http.get(f"{PATH}/{endpoint_id}", headers=bearer(key))).status_code == 404
        assert (await api.http.delete(f"{PATH}/{endpoint_id}", headers=bearer(key))).status_code == 404
        listed = await api.http.get(PATH, headers=bearer(key))
        assert endpoint_id not in listed.text
    publishable = await api.http.get(PATH, headers=bearer(merchant.pk_test))
    assert publishable.status_code == 403
    assert (await api.http.get(PATH)).status_code == 401


async def test_a_create_replayed_with_its_idempotency_key_shows_the_same_secret(api: Api, merchant: Merchant) -> None:
    headers = {**bearer(merchant.sk_test), "Idempotency-Key": "endpoint-1"}
    body = {"url": URL, "enabled_events": ["*"]}
    first = await api.http.post(PATH, json=body, headers=headers)
    second = await api.http.post(PATH, json=body, headers=headers)
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.content == first.content
    listed = await api.http.get(PATH, headers=bearer(merchant.sk_test))
    assert len(listed.json()["data"]) == 1
