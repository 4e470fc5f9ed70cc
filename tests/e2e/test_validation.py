"""Bad input over the real server on each backend: smoke cases of the validation matrix, and what the
database must never see (a NUL, which Postgres text cannot hold; another merchant's row as a cursor).

The whole matrix (every field of every endpoint) runs in process: ``tests/integration/http/test_validation.py``.
The no-5xx rule and the error shape are also checked on every response by ``check_response``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.client import Api, Merchant, bearer, error_of
from tests.integration.http.test_validation import CREATE_CASES, assert_bad, create_body

SMOKE = {"amount-missing", "amount-not-whole-shillings", "phone-08", "metadata-51-keys", "unknown-field"}
SMOKE_CASES = [case for case in CREATE_CASES if case[0] in SMOKE]


@pytest.mark.parametrize(("body", "code", "param"), [c[1:] for c in SMOKE_CASES], ids=[c[0] for c in SMOKE_CASES])
async def test_create_rejects_a_bad_field(
    api: Api, merchant: Merchant, body: dict[str, Any], code: str, param: str | None
) -> None:
    response = await api.http.post("/v1/payment_intents", json=body, headers=bearer(merchant.sk_test))

    assert_bad(response, code, param)
    assert (await api.list_intents(merchant.sk_test)).json()["data"] == []


@pytest.mark.parametrize(
    "body",
    [create_body(metadata={"k": "a\x00b"}), create_body(metadata={"k\x00": "v"})],
    ids=["value", "key"],
)
async def test_a_nul_in_metadata_is_400(api: Api, merchant: Merchant, body: dict[str, Any]) -> None:
    # Postgres text cannot hold U+0000: it must be refused at the edge, on every backend alike.
    response = await api.http.post("/v1/payment_intents", json=body, headers=bearer(merchant.sk_test))

    assert response.status_code == 400, response.text
    assert error_of(response)["param"].startswith("metadata")


async def test_a_nul_in_the_cancellation_reason_is_400(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test)

    response = await api.cancel(merchant.sk_test, intent["id"], {"cancellation_reason": "a\x00b"})

    assert response.status_code == 400, response.text
    assert error_of(response)["param"] == "cancellation_reason"


@pytest.mark.parametrize(
    ("token", "content", "status"),
    [("abcdef", b'{"Body": "\\u0000"}', 404), ("abc%00def", b"{}", 404), ("abc%01", b"\x00{", 404)],
    ids=["nul-in-body", "nul-in-token", "nul-bytes"],
)
async def test_a_nul_in_a_callback_is_answered_not_a_5xx(api: Api, token: str, content: bytes, status: int) -> None:
    response = await api.callback(token, content)

    assert response.status_code == status, response.text


async def test_the_limits_themselves_are_accepted(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(
        merchant.sk_test,
        amount=25_000_000,
        currency="KES",
        account_reference="ABCDEFGHIJ12",
        description="d" * 100,
        metadata={**{f"k{i}": "v" for i in range(49)}, "k" * 40: "v" * 500},
    )

    assert (intent["amount"], intent["currency"]) == (25_000_000, "kes")
    assert intent["account_reference"] == "ABCDEFGHIJ12"
    assert len(intent["metadata"]) == 50
    assert (await api.create_ok(merchant.sk_test, amount=100))["amount"] == 100


@pytest.mark.parametrize("cursor", ["starting_after", "ending_before"])
async def test_a_nul_in_a_cursor_is_400(api: Api, merchant: Merchant, cursor: str) -> None:
    response = await api.list_intents(merchant.sk_test, **{cursor: "pi_\x00"})

    assert_bad(response, "parameter_invalid", cursor)


async def test_another_merchants_intent_as_a_cursor_reveals_nothing(
    api: Api, merchant: Merchant, other_merchant: Merchant
) -> None:
    theirs = await api.create_ok(other_merchant.sk_test)

    response = await api.list_intents(merchant.sk_test, starting_after=theirs["id"])

    assert response.status_code == 200
    assert response.json()["data"] == []


@pytest.mark.parametrize("intent_id", ["pi_doesnotexist", "pi_%00"], ids=["unknown", "nul"])
async def test_odd_intent_ids_are_404(api: Api, merchant: Merchant, intent_id: str) -> None:
    response = await api.retrieve(merchant.sk_test, intent_id)

    assert response.status_code == 404
    assert error_of(response)["code"] == "resource_missing"
