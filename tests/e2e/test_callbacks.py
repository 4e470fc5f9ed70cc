"""``POST /webhooks/mpesa/{token}`` (contract §4), with callbacks the tests post themselves.

The pushes use 254711000099 (the simulator sends no callback), so only the tests' callbacks arrive; the
token comes from the recording token issuer (the attempts log shows only its first 6 characters).
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from tests.e2e.client import Api, Merchant, error_of, of_kind
from tests.e2e.harness import Stack, success_callback

AMOUNT = 2300  # KES 23
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


async def pushed(api: Api, merchant: Merchant, stack: Stack) -> tuple[dict[str, Any], str]:
    """A processing intent whose push the simulator will never call back; and the push's callback token."""
    intent = await api.create_ok(merchant.sk_test, amount=AMOUNT, phone_number="254711000099")
    confirmed = await api.confirm(merchant.sk_test, intent["id"])
    assert confirmed.json()["status"] == "processing"
    (push,) = of_kind(await api.attempts(merchant.sk_test, intent["id"]), "stk_push")
    return confirmed.json(), stack.tokens.token_for_hint(push["callback_token"])


async def test_ten_concurrent_duplicate_callbacks_make_exactly_one_transition(
    api: Api, merchant: Merchant, stack: Stack
) -> None:
    intent, token = await pushed(api, merchant, stack)
    body = success_callback(intent["mpesa"]["checkout_request_id"], amount_shillings=AMOUNT / 100, receipt="E2EDUP0001")

    responses = await asyncio.gather(*(api.callback(token, body) for _ in range(10)))

    assert [r.status_code for r in responses] == [200] * 10
    assert all(r.json() == ACCEPTED for r in responses)
    done = await api.intent(merchant.sk_test, intent["id"])
    assert done["status"] == "succeeded"
    assert done["mpesa"]["receipt_number"] == "E2EDUP0001"
    assert done["mpesa"]["phone_number"] == "254708374149"
    callbacks = of_kind(await api.attempts(merchant.sk_test, intent["id"]), "callback")
    assert len(callbacks) == 10
    assert sorted(row["outcome"] for row in callbacks) == ["applied"] + ["duplicate"] * 9


async def test_a_success_callback_with_another_amount_is_not_applied(
    api: Api, merchant: Merchant, stack: Stack
) -> None:
    intent, token = await pushed(api, merchant, stack)
    body = success_callback(intent["mpesa"]["checkout_request_id"], amount_shillings=1.0)

    response = await api.callback(token, body)

    assert response.status_code == 200
    after = await api.intent(merchant.sk_test, intent["id"])
    assert after["status"] == "processing"
    assert after["mpesa"]["receipt_number"] is None
    (callback,) = of_kind(await api.attempts(merchant.sk_test, intent["id"]), "callback")
    assert callback["outcome"] == "amount_mismatch"


async def test_a_callback_with_an_unknown_token_is_404(api: Api) -> None:
    body = success_callback("ws_CO_000000000000000000000", amount_shillings=10.0)

    response = await api.callback("UnknownToken0123456789abcdefABCD", body)

    assert response.status_code == 404
    assert error_of(response)["code"] == "resource_missing"
    assert "UnknownToken0123456789abcdefABCD" not in response.text


@pytest.mark.parametrize(
    "content",
    [
        b"this is not json",
        b'{"Body": {}}',
        b'{"Body": {"stkCallback": {"CheckoutRequestID": "x"}}}',
        b"[]",
        b"",
    ],
    ids=["not-json", "no-stkCallback", "no-ResultCode", "array", "empty"],
)
async def test_a_malformed_callback_is_400_and_stored(
    api: Api, merchant: Merchant, stack: Stack, content: bytes
) -> None:
    intent, token = await pushed(api, merchant, stack)

    response = await api.callback(token, content)

    assert response.status_code == 400, response.text
    assert error_of(response)["type"] == "invalid_request_error"
    assert (await api.intent(merchant.sk_test, intent["id"]))["status"] == "processing"
    (callback,) = of_kind(await api.attempts(merchant.sk_test, intent["id"]), "callback")
    assert callback["outcome"] == "invalid"
    stored = callback["request"]
    expected: Any
    try:
        expected = msgspec.json.decode(content)
    except msgspec.DecodeError:
        expected = content.decode()
    assert stored == expected or (content == b"" and stored in ("", None))


@pytest.mark.parametrize(
    ("content", "stored"),
    [(b'{"Body": "\\u0000"}', {"Body": "\ufffd"}), (b"\x00not json", "\ufffdnot json")],
    ids=["escaped-nul", "raw-nul"],
)
async def test_a_callback_with_nul_characters_is_400_and_stored_without_them(
    api: Api, merchant: Merchant, stack: Stack, content: bytes, stored: Any
) -> None:
    intent, token = await pushed(api, merchant, stack)

    response = await api.callback(token, content)

    assert response.status_code == 400, response.text
    (callback,) = of_kind(await api.attempts(merchant.sk_test, intent["id"]), "callback")
    assert (callback["outcome"], callback["request"]) == ("invalid", stored)


async def test_a_callback_for_another_checkout_id_is_refused(api: Api, merchant: Merchant, stack: Stack) -> None:
    intent, token = await pushed(api, merchant, stack)
    body = success_callback("ws_CO_not_this_push", amount_shillings=AMOUNT / 100)

    response = await api.callback(token, body)

    assert response.status_code == 400
    assert error_of(response)["param"] == "CheckoutRequestID"
    assert (await api.intent(merchant.sk_test, intent["id"]))["status"] == "processing"


async def test_a_tolerantly_parsed_failure_callback_is_applied(api: Api, merchant: Merchant, stack: Stack) -> None:
    intent, token = await pushed(api, merchant, stack)
    body = {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": "m-1",
                "CheckoutRequestID": intent["mpesa"]["checkout_request_id"],
                "ResultCode": "1032",
                "ResultDesc": "Request cancelled by user",
            }
        }
    }

    response = await api.callback(token, msgspec.json.encode(body))

    assert response.status_code == 200
    after = await api.intent(merchant.sk_test, intent["id"])
    assert after["status"] == "failed"
    assert after["last_payment_error"]["code"] == "canceled_by_customer"


async def test_a_late_success_after_a_failure_still_succeeds(api: Api, merchant: Merchant, stack: Stack) -> None:
    intent, token = await pushed(api, merchant, stack)
    checkout = intent["mpesa"]["checkout_request_id"]
    failure = {"Body": {"stkCallback": {"CheckoutRequestID": checkout, "ResultCode": 1037, "ResultDesc": "timeout"}}}
    assert (await api.callback(token, msgspec.json.encode(failure))).status_code == 200
    assert (await api.intent(merchant.sk_test, intent["id"]))["status"] == "failed"

    late = await api.callback(token, success_callback(checkout, amount_shillings=str(AMOUNT // 100)))

    assert late.status_code == 200
    after = await api.intent(merchant.sk_test, intent["id"])
    assert after["status"] == "succeeded"
    assert after["mpesa"]["receipt_number"] == "E2E0000001"
