"""Confirm: retries, the states it refuses, create-and-confirm, and credentials (contract §3, §5)."""

from __future__ import annotations

from tests.e2e.client import Api, Merchant, error_of, of_kind


async def test_a_retry_from_failed_is_a_second_push_and_the_first_stays_in_the_log(
    api: Api, merchant: Merchant
) -> None:
    intent = await api.create_ok(merchant.sk_test, phone_number="254711000001")
    await api.confirm(merchant.sk_test, intent["id"])
    failed = await api.wait_for_status(merchant.sk_test, intent["id"])
    assert failed["status"] == "failed"

    retry = await api.confirm(merchant.sk_test, intent["id"], {"phone_number": "0708374149"})

    assert retry.status_code == 200, retry.text
    assert retry.json()["status"] == "processing"
    assert retry.json()["phone_number"] == "254708374149"
    done = await api.wait_for_status(merchant.sk_test, intent["id"], {"succeeded"})
    assert done["last_payment_error"] is None
    rows = await api.attempts(merchant.sk_test, intent["id"])
    pushes = of_kind(rows, "stk_push")
    assert [row["outcome"] for row in pushes] == ["accepted", "accepted"]
    assert pushes[0]["id"] != pushes[1]["id"]
    assert pushes[0]["checkout_request_id"] != pushes[1]["checkout_request_id"]
    assert pushes[0]["request"]["PhoneNumber"] != pushes[1]["request"]["PhoneNumber"]


async def test_confirming_a_processing_intent_is_409(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test, phone_number="254711000098")
    assert (await api.confirm(merchant.sk_test, intent["id"])).json()["status"] == "processing"

    again = await api.confirm(merchant.sk_test, intent["id"])

    assert again.status_code == 409
    assert error_of(again)["code"] == "intent_unexpected_state"
    assert error_of(again)["type"] == "invalid_request_error"
    assert len(of_kind(await api.attempts(merchant.sk_test, intent["id"]), "stk_push")) == 1


async def test_confirming_a_succeeded_intent_is_409(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test, phone_number="254708374149")
    await api.confirm(merchant.sk_test, intent["id"])
    assert (await api.wait_for_status(merchant.sk_test, intent["id"]))["status"] == "succeeded"

    again = await api.confirm(merchant.sk_test, intent["id"])

    assert again.status_code == 409
    assert error_of(again)["code"] == "intent_unexpected_state"
    assert (await api.intent(merchant.sk_test, intent["id"]))["status"] == "succeeded"


async def test_confirming_a_canceled_intent_is_409(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test, phone_number="254708374149")
    canceled = await api.cancel(merchant.sk_test, intent["id"], {"cancellation_reason": "requested_by_customer"})
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "canceled"
    assert canceled.json()["cancellation_reason"] == "requested_by_customer"
    assert isinstance(canceled.json()["canceled_at"], int)

    again = await api.confirm(merchant.sk_test, intent["id"])

    assert again.status_code == 409
    assert error_of(again)["code"] == "intent_unexpected_state"
    assert await api.attempts(merchant.sk_test, intent["id"]) == []


async def test_canceling_a_processing_intent_is_409(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test, phone_number="254711000098")
    await api.confirm(merchant.sk_test, intent["id"])

    response = await api.cancel(merchant.sk_test, intent["id"])

    assert response.status_code == 409
    assert error_of(response)["code"] == "intent_unexpected_state"


async def test_confirm_without_any_phone_number_is_400_parameter_missing(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test)

    response = await api.confirm(merchant.sk_test, intent["id"])

    assert response.status_code == 400
    assert error_of(response)["param"] == "phone_number"
    assert (await api.intent(merchant.sk_test, intent["id"]))["status"] == "requires_payment_method"


async def test_create_with_confirm_true_pushes_in_the_same_call(api: Api, merchant: Merchant) -> None:
    response = await api.create(merchant.sk_test, phone_number="0708374149", confirm=True)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "processing"
    assert body["client_secret"].startswith(f"{body['id']}_secret_")
    assert body["mpesa"]["checkout_request_id"]
    assert (await api.wait_for_status(merchant.sk_test, body["id"]))["status"] == "succeeded"


async def test_a_production_key_without_credentials_cannot_confirm(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_live, phone_number="254708374149")
    assert intent["livemode"] is True

    response = await api.confirm(merchant.sk_live, intent["id"])

    assert response.status_code == 400
    error = error_of(response)
    assert (error["type"], error["code"]) == ("invalid_request_error", "credentials_missing")
    after = await api.intent(merchant.sk_live, intent["id"])
    assert after["status"] == "requires_payment_method"
    assert after["last_payment_error"] is None


async def test_create_and_confirm_without_credentials_reports_the_created_intent(api: Api, merchant: Merchant) -> None:
    response = await api.create(merchant.sk_live, phone_number="254708374149", confirm=True)

    assert response.status_code == 400
    assert error_of(response)["code"] == "credentials_missing"
    created = error_of(response)["payment_intent"]
    assert (await api.intent(merchant.sk_live, created["id"]))["status"] == "requires_payment_method"


async def test_a_production_merchant_with_credentials_pays_in_livemode(api: Api, merchant: Merchant) -> None:
    stored = await api.http.put(
        "/v1/mpesa_credentials",
        json={
            "consumer_key": "live-consumer-key-9876",
            "consumer_secret": "live-consumer-secret",
            "business_short_code": "174379",
            "passkey": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
            "transaction_type": "CustomerPayBillOnline",
        },
        headers={"Authorization": f"Bearer {merchant.sk_live}"},
    )
    assert stored.status_code == 200
    intent = await api.create_ok(merchant.sk_live, phone_number="254708374149")

    response = await api.confirm(merchant.sk_live, intent["id"])

    assert response.status_code == 200, response.text
    done = await api.wait_for_status(merchant.sk_live, intent["id"])
    assert (done["status"], done["livemode"]) == ("succeeded", True)
