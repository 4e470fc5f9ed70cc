"""Operations endpoints, Request-Id on every response, and the OpenAPI document."""

from __future__ import annotations

from tests.e2e.client import Api, Merchant
from tests.e2e.harness import Stack


async def test_healthz_answers_200_with_a_request_id(api: Api) -> None:
    response = await api.http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_database_and_the_circuit_of_a_shortcode_in_use(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test, phone_number="254708374149")
    confirmed = await api.confirm(merchant.sk_test, intent["id"])
    assert confirmed.status_code == 200

    response = await api.http.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    # one circuit per credentials used: shortcode and a digest of the consumer key (never the key itself)
    shared = {key: state for key, state in body["daraja"].items() if key.startswith("sandbox:174379:")}
    assert shared, body["daraja"]
    assert set(shared.values()) == {"closed"}
    assert "e2e-sandbox-consumer-key" not in response.text


async def test_every_kind_of_response_carries_a_request_id(api: Api, merchant: Merchant) -> None:
    responses = [
        await api.http.get("/healthz"),
        await api.http.get("/readyz"),
        await api.http.get("/nowhere"),
        await api.list_intents(merchant.sk_test),
        await api.list_intents("sk_test_bad"),
        await api.create(merchant.sk_test, amount=1),
        await api.http.post("/webhooks/mpesa/unknown", content=b"{}"),
    ]

    ids = [r.headers.get("Request-Id") for r in responses]
    assert all(i is not None and i.startswith("req_") for i in ids)
    assert len(set(ids)) == len(ids)


async def test_the_openapi_document_lists_the_v1_paths(api: Api) -> None:
    response = await api.http.get("/schema/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert {
        "/v1/payment_intents",
        "/v1/payment_intents/{intent_id}",
        "/v1/payment_intents/{intent_id}/confirm",
        "/v1/payment_intents/{intent_id}/cancel",
        "/v1/payment_intents/{intent_id}/reconcile",
        "/v1/payment_intents/{intent_id}/attempts",
        "/v1/mpesa_credentials",
        "/v1/api_keys/roll",
        "/webhooks/mpesa/{token}",
        "/healthz",
        "/readyz",
    } <= paths
    assert {"get", "post"} <= set(document["paths"]["/v1/payment_intents"])
    assert {"put", "get", "delete"} <= set(document["paths"]["/v1/mpesa_credentials"])


async def test_the_simulator_counted_what_the_api_sent(api: Api, merchant: Merchant, stack: Stack) -> None:
    before = stack.simulator_state.counters.stk_push_requests
    intent = await api.create_ok(merchant.sk_test, phone_number="254708374149")

    await api.confirm(merchant.sk_test, intent["id"])

    assert stack.simulator_state.counters.stk_push_requests >= before + 1
    assert (await api.wait_for_status(merchant.sk_test, intent["id"]))["status"] == "succeeded"
