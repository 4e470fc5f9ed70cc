"""``Idempotency-Key`` on POSTs under /v1 (contract §3)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.e2e.client import Api, Merchant, bearer, error_of, of_kind
from tests.e2e.harness import FAULT_PASSKEY, Stack


def new_key() -> str:
    return f"e2e-{uuid.uuid4()}"


async def listed_ids(api: Api, key: str) -> list[str]:
    response = await api.list_intents(key, limit=100)
    return [intent["id"] for intent in response.json()["data"]]


async def test_the_same_key_and_body_replays_the_first_response_byte_for_byte(api: Api, merchant: Merchant) -> None:
    key = new_key()
    body = {"amount": 2500, "currency": "kes", "metadata": {"order_id": "77"}}

    first = await api.create(merchant.sk_test, body, idempotency_key=key)
    second = await api.create(merchant.sk_test, body, idempotency_key=key)

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Request-Id"] != first.headers["Request-Id"]
    assert await listed_ids(api, merchant.sk_test) == [first.json()["id"]]


async def test_the_same_body_with_keys_reordered_is_the_same_request(api: Api, merchant: Merchant) -> None:
    key = new_key()
    first = await api.http.post(
        "/v1/payment_intents",
        content=b'{"amount": 2500, "currency": "kes"}',
        headers={**bearer(merchant.sk_test), "Idempotency-Key": key, "Content-Type": "application/json"},
    )
    second = await api.http.post(
        "/v1/payment_intents",
        content=b'{"currency":"kes","amount":2500}',
        headers={**bearer(merchant.sk_test), "Idempotency-Key": key, "Content-Type": "application/json"},
    )

    assert second.content == first.content
    assert second.headers.get("Idempotent-Replayed") == "true"


async def test_the_same_key_with_another_body_is_422(api: Api, merchant: Merchant) -> None:
    key = new_key()
    first = await api.create(merchant.sk_test, {"amount": 2500}, idempotency_key=key)

    second = await api.create(merchant.sk_test, {"amount": 2600}, idempotency_key=key)

    assert second.status_code == 422
    error = error_of(second)
    assert (error["type"], error["code"]) == ("idempotency_error", "idempotency_key_reused")
    assert await listed_ids(api, merchant.sk_test) == [first.json()["id"]]


async def test_the_same_key_on_another_endpoint_is_422(api: Api, merchant: Merchant) -> None:
    key = new_key()
    created = await api.create(merchant.sk_test, idempotency_key=key)

    response = await api.confirm(
        merchant.sk_test, created.json()["id"], {"phone_number": "0708374149"}, idempotency_key=key
    )

    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"


async def test_ten_concurrent_requests_with_one_key_create_one_intent(api: Api, merchant: Merchant) -> None:
    key = new_key()
    body = {"amount": 4200, "currency": "kes", "phone_number": "0708374149"}

    responses = await asyncio.gather(*(api.create(merchant.sk_test, body, idempotency_key=key) for _ in range(10)))

    created = [r for r in responses if r.status_code == 201]
    in_flight = [r for r in responses if r.status_code == 409]
    assert len(created) + len(in_flight) == 10, [r.status_code for r in responses]
    assert created, "at least the first request creates the intent"
    assert {r.content for r in created} == {created[0].content}
    assert sum(1 for r in created if r.headers.get("Idempotent-Replayed") != "true") == 1
    for response in in_flight:
        assert (error_of(response)["type"], error_of(response)["code"]) == (
            "idempotency_error",
            "idempotency_key_in_use",
        )
    assert await listed_ids(api, merchant.sk_test) == [created[0].json()["id"]]
    after = await api.create(merchant.sk_test, body, idempotency_key=key)
    assert after.content == created[0].content


async def test_ten_concurrent_confirms_with_one_key_push_once(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test, phone_number="254711000098")
    key = new_key()

    responses = await asyncio.gather(
        *(api.confirm(merchant.sk_test, intent["id"], idempotency_key=key) for _ in range(10))
    )

    assert {r.status_code for r in responses} <= {200, 409}
    assert any(r.status_code == 200 for r in responses)
    pushes = of_kind(await api.attempts(merchant.sk_test, intent["id"]), "stk_push")
    assert len(pushes) == 1


async def test_keys_are_scoped_per_merchant(api: Api, merchant: Merchant, other_merchant: Merchant) -> None:
    key = new_key()

    mine = await api.create(merchant.sk_test, {"amount": 1000}, idempotency_key=key)
    theirs = await api.create(other_merchant.sk_test, {"amount": 1000}, idempotency_key=key)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert await listed_ids(api, other_merchant.sk_test) == [theirs.json()["id"]]


async def test_keys_are_scoped_per_environment(api: Api, merchant: Merchant) -> None:
    key = new_key()

    test = await api.create(merchant.sk_test, {"amount": 1000}, idempotency_key=key)
    live = await api.create(merchant.sk_live, {"amount": 1000}, idempotency_key=key)

    assert (test.status_code, live.status_code) == (201, 201)
    assert (test.json()["livemode"], live.json()["livemode"]) == (False, True)


async def test_a_503_confirm_is_not_stored(api: Api, merchant: Merchant, stack: Stack) -> None:
    shortcode = stack.fault_shortcode()
    credentials = {
        "consumer_key": "fault-consumer-key",
        "consumer_secret": "fault-consumer-secret",
        "business_short_code": shortcode,
        "passkey": FAULT_PASSKEY,
        "transaction_type": "CustomerPayBillOnline",
    }
    assert (await api.http.put("/v1/mpesa_credentials", json=credentials, headers=bearer(merchant.sk_test))).is_success
    intent = await api.create_ok(merchant.sk_test, phone_number="254711000503")
    key = new_key()

    down = await api.confirm(merchant.sk_test, intent["id"], idempotency_key=key)
    assert down.status_code == 503
    # The same key again: not a replay of the 503, the request runs again (and Daraja is still down).
    again = await api.confirm(merchant.sk_test, intent["id"], idempotency_key=key)
    assert again.status_code == 503
    assert again.headers.get("Idempotent-Replayed") is None
    # Now with a number Daraja accepts (a different body, but the 503s were never stored under the key).
    fixed = await api.confirm(merchant.sk_test, intent["id"], {"phone_number": "0708374149"}, idempotency_key=key)

    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["status"] == "processing"
    assert fixed.headers.get("Idempotent-Replayed") is None
    pushes = of_kind(await api.attempts(merchant.sk_test, intent["id"]), "stk_push")
    assert [p["outcome"] for p in pushes] == ["not_sent", "not_sent", "accepted"]


@pytest.mark.parametrize("key", ["", "k" * 256], ids=["empty", "too-long"])
async def test_a_bad_idempotency_key_is_400(api: Api, merchant: Merchant, key: str) -> None:
    response = await api.create(merchant.sk_test, idempotency_key=key)

    assert response.status_code == 400
    assert error_of(response)["param"] == "Idempotency-Key"
    assert await listed_ids(api, merchant.sk_test) == []


async def test_a_400_decided_by_the_business_rules_is_replayed_too(api: Api, merchant: Merchant) -> None:
    key = new_key()

    first = await api.create(merchant.sk_test, {"phone_number": "0799"}, idempotency_key=key)
    second = await api.create(merchant.sk_test, {"phone_number": "0799"}, idempotency_key=key)

    assert (first.status_code, second.status_code) == (400, 400)
    assert error_of(first)["code"] == "phone_number_invalid"
    assert second.content == first.content
    assert second.headers.get("Idempotent-Replayed") == "true"


async def test_a_request_refused_before_it_runs_is_not_stored(api: Api, merchant: Merchant) -> None:
    # As Stripe: a request whose parameters fail validation never started, so its key stays free.
    key = new_key()

    refused = await api.create(merchant.sk_test, {"amount": 150}, idempotency_key=key)
    corrected = await api.create(merchant.sk_test, {"amount": 1500}, idempotency_key=key)

    assert (refused.status_code, corrected.status_code) == (400, 201)
    assert error_of(refused)["code"] == "amount_invalid"
    assert "Idempotent-Replayed" not in corrected.headers


async def test_a_502_confirm_is_not_stored_and_the_same_request_works_once_the_setup_is_fixed(
    api: Api, merchant: Merchant, stack: Stack
) -> None:
    shortcode = stack.fault_shortcode()
    credentials = {
        "consumer_key": "fault-consumer-key",
        "consumer_secret": "fault-consumer-secret",
        "business_short_code": shortcode,
        "passkey": "not-the-passkey-daraja-knows",
        "transaction_type": "CustomerPayBillOnline",
    }
    assert (await api.http.put("/v1/mpesa_credentials", json=credentials, headers=bearer(merchant.sk_test))).is_success
    intent = await api.create_ok(merchant.sk_test, phone_number="254708374149")
    key = new_key()

    refused = await api.confirm(merchant.sk_test, intent["id"], idempotency_key=key)
    assert refused.status_code == 502, refused.text
    assert (error_of(refused)["type"], error_of(refused)["code"]) == ("provider_error", "provider_configuration_error")
    assert (await api.intent(merchant.sk_test, intent["id"]))["status"] == "requires_payment_method"
    credentials["passkey"] = FAULT_PASSKEY
    assert (await api.http.put("/v1/mpesa_credentials", json=credentials, headers=bearer(merchant.sk_test))).is_success

    fixed = await api.confirm(merchant.sk_test, intent["id"], idempotency_key=key)

    assert fixed.status_code == 200, fixed.text
    assert fixed.headers.get("Idempotent-Replayed") is None
    assert fixed.json()["status"] == "processing"
    replay = await api.confirm(merchant.sk_test, intent["id"], idempotency_key=key)
    assert replay.content == fixed.content
    assert replay.headers.get("Idempotent-Replayed") == "true"
