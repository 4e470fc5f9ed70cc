"""Bad input for every field of every endpoint, in process: the contract's 400 code and ``param``, never a 5xx.

``tests/e2e/test_validation.py`` runs smoke cases of it per backend over the real server, with the NULs.

(The no-5xx rule and the error shape are also checked on every response by ``check_response``.)
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.client import Api, Merchant, bearer, error_of

MISSING = object()


def create_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"amount": 1500, "currency": "kes"}
    for name, value in changes.items():
        if value is MISSING:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def assert_bad(response: Any, code: str, param: str | None) -> None:
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert error["code"] == code, error
    if param is None:
        assert "param" not in error or error["param"] is None
    else:
        assert error.get("param") == param, error


CREATE_CASES: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("amount-missing", create_body(amount=MISSING), "parameter_missing", "amount"),
    ("amount-string", create_body(amount="1500"), "amount_invalid", "amount"),
    ("amount-float", create_body(amount=1500.0), "amount_invalid", "amount"),
    ("amount-fraction", create_body(amount=1500.5), "amount_invalid", "amount"),
    ("amount-not-whole-shillings", create_body(amount=1550), "amount_invalid", "amount"),
    ("amount-99", create_body(amount=99), "amount_invalid", "amount"),
    ("amount-0", create_body(amount=0), "amount_invalid", "amount"),
    ("amount-negative", create_body(amount=-100), "amount_invalid", "amount"),
    ("amount-over-max", create_body(amount=25_000_100), "amount_invalid", "amount"),
    ("amount-huge", create_body(amount=10**30), "amount_invalid", "amount"),
    ("amount-bool", create_body(amount=True), "amount_invalid", "amount"),
    ("amount-null", create_body(amount=None), "amount_invalid", "amount"),
    ("currency-missing", create_body(currency=MISSING), "parameter_missing", "currency"),
    ("currency-usd", create_body(currency="usd"), "parameter_invalid", "currency"),
    ("currency-number", create_body(currency=404), "parameter_invalid", "currency"),
    ("phone-08", create_body(phone_number="0812345678"), "phone_number_invalid", "phone_number"),
    ("phone-tanzania", create_body(phone_number="+255712345678"), "phone_number_invalid", "phone_number"),
    ("phone-11-digits", create_body(phone_number="25471234567"), "phone_number_invalid", "phone_number"),
    ("phone-13-digits", create_body(phone_number="2547123456789"), "phone_number_invalid", "phone_number"),
    ("phone-2542", create_body(phone_number="254212345678"), "phone_number_invalid", "phone_number"),
    ("phone-letters", create_body(phone_number="07123abcde"), "phone_number_invalid", "phone_number"),
    ("phone-arabic-digits", create_body(phone_number="٠٧١٢٣٤٥٦٧٨"), "phone_number_invalid", "phone_number"),
    ("phone-empty", create_body(phone_number=""), "phone_number_invalid", "phone_number"),
    ("phone-number-type", create_body(phone_number=254712345678), "phone_number_invalid", "phone_number"),
    ("reference-too-long", create_body(account_reference="ABCDEFGHIJKLM"), "parameter_invalid", "account_reference"),
    ("reference-symbols", create_body(account_reference="INV-1001"), "parameter_invalid", "account_reference"),
    ("reference-space", create_body(account_reference="INV 1001"), "parameter_invalid", "account_reference"),
    ("reference-empty", create_body(account_reference=""), "parameter_invalid", "account_reference"),
    ("reference-number", create_body(account_reference=1001), "parameter_invalid", "account_reference"),
    ("description-101", create_body(description="d" * 101), "parameter_invalid", "description"),
    ("description-number", create_body(description=5), "parameter_invalid", "description"),
    ("metadata-51-keys", create_body(metadata={f"k{i}": "v" for i in range(51)}), "parameter_invalid", "metadata"),
    ("metadata-long-key", create_body(metadata={"k" * 41: "v"}), "parameter_invalid", "metadata"),
    ("metadata-empty-key", create_body(metadata={"": "v"}), "parameter_invalid", "metadata"),
    ("metadata-list", create_body(metadata=["a"]), "parameter_invalid", "metadata"),
    ("unknown-field", create_body(customer="cus_1"), "parameter_unknown", "customer"),
    ("confirm-string", create_body(confirm="yes"), "parameter_invalid", "confirm"),
]


@pytest.mark.parametrize(("body", "code", "param"), [c[1:] for c in CREATE_CASES], ids=[c[0] for c in CREATE_CASES])
async def test_create_rejects_each_bad_field(
    api: Api, merchant: Merchant, body: dict[str, Any], code: str, param: str | None
) -> None:
    response = await api.http.post("/v1/payment_intents", json=body, headers=bearer(merchant.sk_test))

    assert_bad(response, code, param)
    assert (await api.list_intents(merchant.sk_test)).json()["data"] == []


@pytest.mark.parametrize(
    "metadata", [{"k": "v" * 501}, {"k": 5}, {"k": None}, {"k": {"nested": "x"}}], ids=["long", "int", "null", "obj"]
)
async def test_create_rejects_bad_metadata_values(api: Api, merchant: Merchant, metadata: dict[str, Any]) -> None:
    response = await api.http.post(
        "/v1/payment_intents", json=create_body(metadata=metadata), headers=bearer(merchant.sk_test)
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "parameter_invalid"
    assert error["param"] in ("metadata", "metadata[k]")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"amount": 1500, "currency": "kes"', "application/json"),
        (b"amount=1500&currency=kes", "application/json"),
        (b'[1500, "kes"]', "application/json"),
        (b'"kes"', "application/json"),
        (b"\xff\xfe{}", "application/json"),
        (b"", "application/json"),
        (b"null", "application/json"),
    ],
    ids=["truncated", "form-encoded", "array", "string", "not-utf8", "empty", "null"],
)
async def test_create_rejects_a_body_that_is_not_a_json_object(
    api: Api, merchant: Merchant, content: bytes, content_type: str
) -> None:
    response = await api.http.post(
        "/v1/payment_intents", content=content, headers={**bearer(merchant.sk_test), "Content-Type": content_type}
    )

    assert response.status_code == 400, response.text
    assert error_of(response)["code"] in ("json_invalid", "parameter_missing")
    if content != b"":
        assert error_of(response)["code"] == "json_invalid"


async def test_valid_phone_formats_are_normalised(api: Api, merchant: Merchant) -> None:
    forms = {
        "0712 345-678": "254712345678",
        "+254712345678": "254712345678",
        "254712345678": "254712345678",
        "0112345678": "254112345678",
        "254 112 345 678": "254112345678",
    }
    for raw, stored in forms.items():
        intent = await api.create_ok(merchant.sk_test, phone_number=raw)
        assert intent["phone_number"] == stored, raw


CONFIRM_CASES: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("phone-invalid", {"phone_number": "12345"}, "phone_number_invalid", "phone_number"),
    ("phone-number-type", {"phone_number": 712345678}, "phone_number_invalid", "phone_number"),
    ("client-secret-number", {"client_secret": 5}, "parameter_invalid", "client_secret"),
    ("unknown-field", {"amount": 100}, "parameter_unknown", "amount"),
]


@pytest.mark.parametrize(("body", "code", "param"), [c[1:] for c in CONFIRM_CASES], ids=[c[0] for c in CONFIRM_CASES])
async def test_confirm_rejects_each_bad_field(
    api: Api, merchant: Merchant, body: dict[str, Any], code: str, param: str
) -> None:
    intent = await api.create_ok(merchant.sk_test)

    response = await api.confirm(merchant.sk_test, intent["id"], body)

    assert_bad(response, code, param)
    after = await api.intent(merchant.sk_test, intent["id"])
    assert after["status"] == "requires_payment_method"
    assert await api.attempts(merchant.sk_test, intent["id"]) == []


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"cancellation_reason": "r" * 101}, "parameter_invalid", "cancellation_reason"),
        ({"cancellation_reason": ""}, "parameter_invalid", "cancellation_reason"),
        ({"cancellation_reason": 7}, "parameter_invalid", "cancellation_reason"),
        ({"reason": "x"}, "parameter_unknown", "reason"),
    ],
    ids=["too-long", "empty", "number", "unknown"],
)
async def test_cancel_rejects_each_bad_field(
    api: Api, merchant: Merchant, body: dict[str, Any], code: str, param: str
) -> None:
    intent = await api.create_ok(merchant.sk_test)

    response = await api.cancel(merchant.sk_test, intent["id"], body)

    assert_bad(response, code, param)
    assert (await api.intent(merchant.sk_test, intent["id"]))["status"] == "requires_payment_method"


async def test_reconcile_rejects_unknown_fields(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test)

    response = await api.http.post(
        f"/v1/payment_intents/{intent['id']}/reconcile", json={"force": True}, headers=bearer(merchant.sk_test)
    )

    assert_bad(response, "parameter_unknown", "force")


@pytest.mark.parametrize("action", ["confirm", "cancel", "reconcile"])
async def test_intent_actions_reject_malformed_json(api: Api, merchant: Merchant, action: str) -> None:
    intent = await api.create_ok(merchant.sk_test)

    response = await api.http.post(
        f"/v1/payment_intents/{intent['id']}/{action}",
        content=b"{not json",
        headers={**bearer(merchant.sk_test), "Content-Type": "application/json"},
    )

    assert_bad(response, "json_invalid", None)


@pytest.mark.parametrize(
    ("path", "method"),
    [("/v1/mpesa_credentials", "PUT"), ("/v1/api_keys/roll", "POST")],
)
async def test_other_endpoints_reject_malformed_json(api: Api, merchant: Merchant, path: str, method: str) -> None:
    response = await api.http.request(
        method, path, content=b"{not json", headers={**bearer(merchant.sk_test), "Content-Type": "application/json"}
    )

    assert_bad(response, "json_invalid", None)


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": -1}, "limit"),
        ({"status": "bogus"}, "status"),
        ({"status": ""}, "status"),
    ],
    ids=["limit-0", "limit-101", "limit-abc", "limit-negative", "status-bogus", "status-empty"],
)
async def test_list_rejects_bad_query_parameters(
    api: Api, merchant: Merchant, params: dict[str, Any], param: str
) -> None:
    response = await api.list_intents(merchant.sk_test, **params)

    assert_bad(response, "parameter_invalid", param)


async def test_list_refuses_both_cursors(api: Api, merchant: Merchant) -> None:
    first = await api.create_ok(merchant.sk_test)
    second = await api.create_ok(merchant.sk_test)

    response = await api.list_intents(merchant.sk_test, starting_after=first["id"], ending_before=second["id"])

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "parameter_invalid"
    assert error["param"] in ("starting_after", "ending_before")


@pytest.mark.parametrize("cursor", ["starting_after", "ending_before"])
@pytest.mark.parametrize(
    "value", ["pi_garbage", "pi_\x00", "ch_0Vc9dsXTQOAwlvDyQkYqAnLv"], ids=["short", "nul", "prefix"]
)
async def test_list_refuses_a_cursor_that_is_not_an_intent_id(
    api: Api, merchant: Merchant, cursor: str, value: str
) -> None:
    response = await api.list_intents(merchant.sk_test, **{cursor: value})

    assert_bad(response, "parameter_invalid", cursor)


@pytest.mark.parametrize("cursor", ["starting_after", "ending_before"])
async def test_another_merchants_intent_as_a_cursor_reveals_nothing(
    api: Api, merchant: Merchant, other_merchant: Merchant, cursor: str
) -> None:
    theirs = await api.create_ok(other_merchant.sk_test)

    response = await api.list_intents(merchant.sk_test, **{cursor: theirs["id"]})

    assert response.status_code == 200
    assert response.json()["data"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": "x"}], ids=["limit-0", "limit-abc"])
async def test_attempts_reject_bad_limits(api: Api, merchant: Merchant, params: dict[str, Any]) -> None:
    intent = await api.create_ok(merchant.sk_test)

    response = await api.http.get(
        f"/v1/payment_intents/{intent['id']}/attempts", params=params, headers=bearer(merchant.sk_test)
    )

    assert_bad(response, "parameter_invalid", "limit")


@pytest.mark.parametrize(
    "intent_id", ["pi_doesnotexist", "x" * 300, "pi_%00", "..%2F..%2Fetc"], ids=["unknown", "long", "nul", "dots"]
)
async def test_odd_intent_ids_are_404(api: Api, merchant: Merchant, intent_id: str) -> None:
    response = await api.retrieve(merchant.sk_test, intent_id)

    assert response.status_code == 404
    assert error_of(response)["code"] == "resource_missing"


async def test_unknown_routes_and_methods_answer_in_the_contract_shape(api: Api, merchant: Merchant) -> None:
    unknown = await api.http.get("/v1/charges", headers=bearer(merchant.sk_test))
    wrong_method = await api.http.delete("/v1/payment_intents", headers=bearer(merchant.sk_test))

    assert unknown.status_code == 404
    assert error_of(unknown)["code"] == "resource_missing"
    assert wrong_method.status_code == 405
