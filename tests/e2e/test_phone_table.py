"""Every row of the simulator's phone table (contract §7) through create -> confirm -> callback/reconcile."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.client import Api, Merchant, bearer, error_of, of_kind
from tests.e2e.harness import FAULT_PASSKEY, Stack

AMOUNT = 1500  # KES 15


async def confirmed(api: Api, merchant: Merchant, phone: str) -> dict[str, Any]:
    intent = await api.create_ok(merchant.sk_test, amount=AMOUNT, phone_number=phone)
    response = await api.confirm(merchant.sk_test, intent["id"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def use_own_shortcode(api: Api, stack: Stack, merchant: Merchant) -> None:
    """Give the merchant a shortcode (and so a circuit) of its own, for a test that makes Daraja fail."""
    response = await api.http.put(
        "/v1/mpesa_credentials",
        json={
            "consumer_key": "fault-consumer-key",
            "consumer_secret": "fault-consumer-secret",
            "business_short_code": stack.fault_shortcode(),
            "passkey": FAULT_PASSKEY,
            "transaction_type": "CustomerPayBillOnline",
        },
        headers={"Authorization": f"Bearer {merchant.sk_test}"},
    )
    assert response.status_code == 200, response.text


async def test_success_fills_in_the_receipt_and_the_mpesa_fields(api: Api, merchant: Merchant) -> None:
    before = int(time.time())
    processing = await confirmed(api, merchant, "254708374149")

    assert processing["status"] == "processing"
    assert processing["mpesa"]["checkout_request_id"].startswith("ws_CO_")
    assert processing["next_action"]["type"] == "mpesa_stk_prompt"
    assert processing["next_action"]["phone_number"] == "2547*****149"
    assert processing["next_action"]["expires_at"] > before

    done = await api.wait_for_status(merchant.sk_test, processing["id"])

    assert done["status"] == "succeeded"
    assert done["last_payment_error"] is None
    assert done["next_action"] is None
    mpesa = done["mpesa"]
    assert mpesa["checkout_request_id"] == processing["mpesa"]["checkout_request_id"]
    assert mpesa["merchant_request_id"]
    assert isinstance(mpesa["receipt_number"], str)
    assert len(mpesa["receipt_number"]) == 10
    assert mpesa["phone_number"] == "254708374149"
    assert isinstance(mpesa["transaction_date"], int)
    assert abs(mpesa["transaction_date"] - before) < 3600  # Unix seconds (Daraja sends Nairobi local time)


async def test_success_is_logged_as_an_accepted_push_and_an_applied_callback(
    api: Api, merchant: Merchant, stack: Stack
) -> None:
    processing = await confirmed(api, merchant, "254708374149")
    await api.wait_for_status(merchant.sk_test, processing["id"])

    rows = await api.wait_for_attempts(
        merchant.sk_test, processing["id"], lambda r: any(x["outcome"] == "applied" for x in r), "an applied callback"
    )

    assert [(row["kind"], row["outcome"]) for row in rows] == [("stk_push", "accepted"), ("callback", "applied")]
    push, callback = rows
    # The Password is base64("174379" + passkey + timestamp), which starts "MTc0Mzc5": it must not be kept.
    assert not str(push["request"]["Password"]).startswith("MTc0Mzc5")
    token = stack.tokens.token_for_hint(push["callback_token"])
    raw_log = await api.http.get(f"/v1/payment_intents/{processing['id']}/attempts", headers=bearer(merchant.sk_test))
    assert token[:6] in raw_log.text
    assert token not in raw_log.text
    assert push["request"]["PhoneNumber"] in ("254708374149", 254708374149)
    assert callback["request"]["Body"]["stkCallback"]["ResultCode"] == 0


@pytest.mark.parametrize(
    ("phone", "code", "result_code"),
    [
        ("254711000001", "insufficient_funds", "1"),
        ("254711001032", "canceled_by_customer", "1032"),
        ("254711001037", "customer_unreachable", "1037"),
        ("254711002001", "wrong_pin", "2001"),
        ("254711001019", "expired", "1019"),
    ],
)
async def test_a_failure_callback_fails_the_intent_with_the_mapped_code(
    api: Api, merchant: Merchant, phone: str, code: str, result_code: str
) -> None:
    processing = await confirmed(api, merchant, phone)

    done = await api.wait_for_status(merchant.sk_test, processing["id"])

    assert done["status"] == "failed"
    assert done["last_payment_error"]["code"] == code
    assert done["last_payment_error"]["mpesa_result_code"] == result_code
    assert done["last_payment_error"]["message"]
    assert done["mpesa"]["receipt_number"] is None
    rows = await api.attempts(merchant.sk_test, done["id"])
    assert [(row["kind"], row["outcome"]) for row in rows] == [("stk_push", "accepted"), ("callback", "applied")]


async def test_a_missed_webhook_is_settled_by_reconcile(api: Api, merchant: Merchant) -> None:
    processing = await confirmed(api, merchant, "254711000099")

    async def reconciled() -> dict[str, Any]:
        response = await api.reconcile(merchant.sk_test, processing["id"])
        assert response.status_code == 200, response.text
        intent: dict[str, Any] = response.json()
        return intent

    deadline = time.monotonic() + 5
    intent = await reconciled()
    while intent["status"] == "processing" and time.monotonic() < deadline:
        intent = await reconciled()

    assert intent["status"] == "succeeded"
    assert (await api.intent(merchant.sk_test, processing["id"]))["status"] == "succeeded"
    rows = await api.attempts(merchant.sk_test, processing["id"])
    assert of_kind(rows, "callback") == []
    assert of_kind(rows, "stk_query")[-1]["outcome"] == "applied"


async def test_reconcile_of_a_payment_daraja_still_processes_is_a_200_no_op(api: Api, merchant: Merchant) -> None:
    processing = await confirmed(api, merchant, "254711000098")

    answers = [await api.reconcile(merchant.sk_test, processing["id"]) for _ in range(2)]  # both pending forms

    assert [answer.status_code for answer in answers] == [200, 200]
    assert [answer.json()["status"] for answer in answers] == ["processing", "processing"]
    assert answers[-1].json()["mpesa"]["checkout_request_id"] == processing["mpesa"]["checkout_request_id"]
    queries = of_kind(await api.attempts(merchant.sk_test, processing["id"]), "stk_query")
    assert [row["outcome"] for row in queries] == ["pending", "pending"]


async def test_a_callback_delivered_three_times_makes_one_transition(api: Api, merchant: Merchant) -> None:
    processing = await confirmed(api, merchant, "254711000002")

    rows = await api.wait_for_attempts(
        merchant.sk_test,
        processing["id"],
        # stored raw first, their outcome recorded once applied: wait for all three outcomes
        lambda r: len(of_kind(r, "callback")) == 3 and all(row["outcome"] for row in of_kind(r, "callback")),
        "three handled callbacks",
    )
    done = await api.intent(merchant.sk_test, processing["id"])

    outcomes = sorted(row["outcome"] for row in of_kind(rows, "callback"))
    assert outcomes == ["applied", "duplicate", "duplicate"]
    assert done["status"] == "succeeded"
    assert done["mpesa"]["receipt_number"]


async def test_an_invalid_phone_rejected_by_daraja_fails_the_intent(api: Api, merchant: Merchant) -> None:
    failed = await confirmed(api, merchant, "254711000400")

    assert failed["status"] == "failed"
    assert failed["last_payment_error"]["code"] == "phone_number_invalid"
    assert failed["last_payment_error"]["mpesa_result_code"] == "400.002.02"
    rows = await api.attempts(merchant.sk_test, failed["id"])
    assert [(row["kind"], row["outcome"], row["http_status"]) for row in rows] == [("stk_push", "rejected", 400)]


async def test_a_locked_subscriber_fails_the_intent(api: Api, merchant: Merchant) -> None:
    failed = await confirmed(api, merchant, "254711000423")

    assert failed["status"] == "failed"
    assert failed["last_payment_error"]["code"] == "customer_busy"
    assert failed["last_payment_error"]["mpesa_result_code"] == "500.001.1001"
    assert failed["mpesa"] is None or failed["mpesa"]["checkout_request_id"] is None


async def test_daraja_down_is_a_503_and_leaves_the_intent_unchanged(api: Api, merchant: Merchant, stack: Stack) -> None:
    await use_own_shortcode(api, stack, merchant)
    intent = await api.create_ok(merchant.sk_test, amount=AMOUNT, phone_number="254711000503")

    response = await api.confirm(merchant.sk_test, intent["id"])

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    error = error_of(response)
    assert (error["type"], error["code"]) == ("provider_error", "provider_unavailable")
    after = await api.intent(merchant.sk_test, intent["id"])
    assert after["status"] == "requires_payment_method"
    assert after["last_payment_error"] is None
    assert after["next_action"] is None
    rows = await api.attempts(merchant.sk_test, intent["id"])
    assert [(row["kind"], row["outcome"]) for row in rows] == [("stk_push", "not_sent")]


async def test_a_lost_answer_leaves_processing_until_the_callback_fills_in_the_checkout_id(
    api: Api, merchant: Merchant, stack: Stack
) -> None:
    await use_own_shortcode(api, stack, merchant)

    lost = await confirmed(api, merchant, "254711000504")

    assert lost["status"] == "processing"
    assert lost["mpesa"] is None or lost["mpesa"]["checkout_request_id"] is None
    done = await api.wait_for_status(merchant.sk_test, lost["id"])
    assert done["status"] == "succeeded"
    checkout = done["mpesa"]["checkout_request_id"]
    assert checkout.startswith("ws_CO_")
    assert done["mpesa"]["receipt_number"]
    rows = await api.attempts(merchant.sk_test, lost["id"])
    pushes = of_kind(rows, "stk_push")
    assert [row["outcome"] for row in pushes] == ["answer_lost"]  # never a second push
    assert pushes[0]["checkout_request_id"] == checkout
    assert [row["outcome"] for row in of_kind(rows, "callback")] == ["applied"]
