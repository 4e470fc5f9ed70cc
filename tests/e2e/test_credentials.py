"""``/v1/mpesa_credentials`` (contract §5): secrets go in, only a masked view comes out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.client import Api, Merchant, bearer, error_of

PATH = "/v1/mpesa_credentials"
CONSUMER_KEY = "ck-live-AbCdEfGh1234wxyz"
CONSUMER_SECRET = "cs-very-secret-value-0001"
PASSKEY = "pk-very-secret-passkey-0002"


def paybill(**changes: Any) -> dict[str, Any]:
    body = {
        "consumer_key": CONSUMER_KEY,
        "consumer_secret": CONSUMER_SECRET,
        "business_short_code": "600123",
        "passkey": PASSKEY,
        "transaction_type": "CustomerPayBillOnline",
    }
    body.update(changes)
    return body


def assert_no_secret(text: str) -> None:
    for secret in (CONSUMER_SECRET, PASSKEY, CONSUMER_KEY):
        assert secret not in text


async def test_put_returns_the_masked_view_and_no_secret(api: Api, merchant: Merchant) -> None:
    response = await api.http.put(PATH, json=paybill(), headers=bearer(merchant.sk_live))

    assert response.status_code == 200, response.text
    assert_no_secret(response.text)
    view = response.json()
    assert isinstance(view.pop("updated"), int)
    assert view == {
        "object": "mpesa_credentials",
        "environment": "production",
        "business_short_code": "600123",
        "transaction_type": "CustomerPayBillOnline",
        "party_b": None,
        "consumer_key_last4": "wxyz",
    }


async def test_get_returns_the_same_view_for_the_key_environment_only(api: Api, merchant: Merchant) -> None:
    put = await api.http.put(PATH, json=paybill(), headers=bearer(merchant.sk_test))

    got = await api.http.get(PATH, headers=bearer(merchant.sk_test))
    other_environment = await api.http.get(PATH, headers=bearer(merchant.sk_live))

    assert got.status_code == 200
    assert got.json() == put.json()
    assert got.json()["environment"] == "sandbox"
    assert_no_secret(got.text)
    assert other_environment.status_code == 404
    assert error_of(other_environment)["code"] == "resource_missing"


async def test_buy_goods_keeps_the_till(api: Api, merchant: Merchant) -> None:
    body = paybill(transaction_type="CustomerBuyGoodsOnline", party_b="7654321")

    response = await api.http.put(PATH, json=body, headers=bearer(merchant.sk_live))

    assert response.status_code == 200, response.text
    assert response.json()["party_b"] == "7654321"
    assert response.json()["transaction_type"] == "CustomerBuyGoodsOnline"


async def test_put_replaces_the_previous_credentials(api: Api, merchant: Merchant) -> None:
    await api.http.put(PATH, json=paybill(), headers=bearer(merchant.sk_live))

    await api.http.put(
        PATH, json=paybill(business_short_code="600999", consumer_key="x-9999"), headers=bearer(merchant.sk_live)
    )

    got = (await api.http.get(PATH, headers=bearer(merchant.sk_live))).json()
    assert (got["business_short_code"], got["consumer_key_last4"]) == ("600999", "9999")


async def test_delete_removes_them(api: Api, merchant: Merchant) -> None:
    await api.http.put(PATH, json=paybill(), headers=bearer(merchant.sk_live))

    deleted = await api.http.delete(PATH, headers=bearer(merchant.sk_live))
    after = await api.http.get(PATH, headers=bearer(merchant.sk_live))
    again = await api.http.delete(PATH, headers=bearer(merchant.sk_live))

    assert deleted.status_code == 200
    assert deleted.json()["object"] == "mpesa_credentials"
    assert_no_secret(deleted.text)
    assert after.status_code == 404
    assert again.status_code == 404


async def test_credentials_of_one_merchant_are_invisible_to_another(
    api: Api, merchant: Merchant, other_merchant: Merchant
) -> None:
    await api.http.put(PATH, json=paybill(), headers=bearer(merchant.sk_live))

    response = await api.http.get(PATH, headers=bearer(other_merchant.sk_live))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("changes", "param", "code"),
    [
        ({"business_short_code": "1234"}, "business_short_code", "parameter_invalid"),
        ({"business_short_code": "12345678"}, "business_short_code", "parameter_invalid"),
        ({"business_short_code": "12a456"}, "business_short_code", "parameter_invalid"),
        ({"passkey": ""}, "passkey", "parameter_invalid"),
        ({"passkey": None}, "passkey", "parameter_missing"),
        ({"consumer_key": ""}, "consumer_key", "parameter_invalid"),
        ({"consumer_secret": "   "}, "consumer_secret", "parameter_invalid"),
        ({"transaction_type": "CustomerPayBill"}, "transaction_type", "parameter_invalid"),
        ({"transaction_type": "CustomerBuyGoodsOnline"}, "party_b", "parameter_missing"),
        ({"transaction_type": "CustomerBuyGoodsOnline", "party_b": "till"}, "party_b", "parameter_invalid"),
        ({"mode": "live"}, "mode", "parameter_unknown"),
    ],
)
async def test_invalid_credentials_name_the_field(
    api: Api, merchant: Merchant, changes: dict[str, Any], param: str, code: str
) -> None:
    body = {k: v for k, v in paybill(**changes).items() if v is not None}

    response = await api.http.put(PATH, json=body, headers=bearer(merchant.sk_live))

    assert response.status_code == 400, response.text
    error = error_of(response)
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert_no_secret(response.text)
    assert (await api.http.get(PATH, headers=bearer(merchant.sk_live))).status_code == 404


async def test_a_publishable_key_cannot_touch_credentials(api: Api, merchant: Merchant) -> None:
    put = await api.http.put(PATH, json=paybill(), headers=bearer(merchant.pk_live))
    get = await api.http.get(PATH, headers=bearer(merchant.pk_live))

    assert (put.status_code, get.status_code) == (403, 403)
    assert error_of(put)["code"] == "publishable_key_forbidden"
