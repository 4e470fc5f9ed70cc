"""The simulator speaks Daraja's wire format: checked with a plain HTTP client, not with our adapter."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from micropay.entrypoints.simulator import SANDBOX_PASSKEY, SimulatorSettings
from tests.integration.daraja.conftest import RunningSimulator

TIMESTAMP = "20260101120000"
PASSWORD = base64.b64encode(f"174379{SANDBOX_PASSKEY}{TIMESTAMP}".encode()).decode()
BASIC = "Basic " + base64.b64encode(b"key:secret").decode()


def push_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "BusinessShortCode": 174379,
        "Password": PASSWORD,
        "Timestamp": TIMESTAMP,
        "TransactionType": "CustomerPayBillOnline",
        "Amount": "1",
        "PartyA": "254722000000",
        "PartyB": "174379",
        "PhoneNumber": 254722000000,
        "CallBackURL": "https://example.invalid/path",
        "AccountReference": "accountref",
        "TransactionDesc": "txndesc",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
async def http(simulator: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=simulator.url, timeout=5.0) as client:
        yield client


async def bearer(http: httpx.AsyncClient) -> dict[str, str]:
    answer = await http.get(
        "/oauth/v1/generate", params={"grant_type": "client_credentials"}, headers={"Authorization": BASIC}
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def test_oauth_issues_a_28_character_token_with_expires_in_as_a_string(http: httpx.AsyncClient) -> None:
    answer = await http.get(
        "/oauth/v1/generate", params={"grant_type": "client_credentials"}, headers={"Authorization": BASIC}
    )

    assert answer.status_code == 200
    body = answer.json()
    assert body["expires_in"] == "3599"
    assert len(body["access_token"]) == 28
    assert body["access_token"].isalnum()


@pytest.mark.parametrize(
    ("grant", "authorization", "code"),
    [
        ("client_credentials", None, "400.008.01"),
        ("client_credentials", "Bearer abc", "400.008.01"),
        ("client_credentials", "Basic " + base64.b64encode(b":secret").decode(), "400.008.01"),
        ("password", BASIC, "400.008.02"),
        ("client_credentials ", BASIC, "400.008.02"),
    ],
)
async def test_oauth_errors(http: httpx.AsyncClient, grant: str, authorization: str | None, code: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = await http.get("/oauth/v1/generate", params={"grant_type": grant}, headers=headers)

    assert answer.status_code == 400
    assert answer.json()["errorCode"] == code
    assert set(answer.json()) == {"requestId", "errorCode", "errorMessage"}


async def test_api_calls_need_a_token_it_issued(http: httpx.AsyncClient) -> None:
    for path in ("/mpesa/stkpush/v1/processrequest", "/mpesa/stkpushquery/v1/query"):
        answer = await http.post(
            path, json=push_body(), headers={"Authorization": "Bearer c9SQxWWhmdVRlyh0zh8gZDTkubVF"}
        )
        assert answer.status_code == 404
        assert answer.json()["errorCode"] == "404.001.03"
        assert answer.json()["errorMessage"] == "Invalid Access Token"


async def test_the_official_sample_is_accepted(http: httpx.AsyncClient) -> None:
    answer = await http.post("/mpesa/stkpush/v1/processrequest", json=push_body(), headers=await bearer(http))

    assert answer.status_code == 200
    body = answer.json()
    assert body["ResponseCode"] == "0"
    assert body["CheckoutRequestID"].startswith("ws_CO_")
    assert body["CheckoutRequestID"].endswith("722000000")
    assert set(body) == {
        "MerchantRequestID",
        "CheckoutRequestID",
        "ResponseCode",
        "ResponseDescription",
        "CustomerMessage",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Amount": 0}, "Bad Request - Invalid Amount"),
        ({"Amount": 250_001}, "Bad Request - Invalid Amount"),
        ({"Amount": "1.00"}, "Bad Request - Invalid Amount"),
        ({"Amount": 1.5}, "Bad Request - Invalid Amount"),
        ({"PhoneNumber": "0722000000"}, "Bad Request - Invalid PhoneNumber"),
        ({"PartyA": "25472200000"}, "Bad Request - Invalid PartyA"),
        ({"AccountReference": "ABCDEFGHIJKLM"}, "Bad Request - Invalid AccountReference"),
        ({"TransactionDesc": "ABCDEFGHIJKLMN"}, "Bad Request - Invalid TransactionDesc"),
        ({"CallBackURL": "https://my domain.com/cb"}, "Bad Request - Invalid CallBackURL"),
        ({"CallBackURL": "ftp://example.com/cb"}, "Bad Request - Invalid CallBackURL"),
        ({"Timestamp": "2026010112000"}, "Bad Request - Invalid Timestamp"),
        ({"TransactionType": "CustomerPayBill"}, "Bad Request - Invalid TransactionType"),
        ({"BusinessShortCode": "17437"[:3]}, "Bad Request - Invalid BusinessShortCode"),
    ],
)
async def test_push_validation(http: httpx.AsyncClient, changes: dict[str, Any], message: str) -> None:
    answer = await http.post("/mpesa/stkpush/v1/processrequest", json=push_body(**changes), headers=await bearer(http))

    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "400.002.02"
    assert answer.json()["errorMessage"] == message


async def test_without_a_json_content_type_daraja_blames_the_shortcode(http: httpx.AsyncClient) -> None:
    headers = {**await bearer(http), "Content-Type": "text/plain"}
    answer = await http.post("/mpesa/stkpush/v1/processrequest", content=b"{}", headers=headers)

    assert answer.json()["errorMessage"] == "Bad Request - Invalid BusinessShortCode"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"Password": base64.b64encode(b"174379wrong20260101120000").decode()},
            "[MerchantValidate] - Wrong credentials",
        ),
        ({"Password": None}, "[MerchantValidate] - Wrong credentials"),
        ({"Timestamp": "20260101120001"}, "[MerchantValidate] - Wrong credentials"),  # Password from another second
        ({"BusinessShortCode": "600000"}, "Merchant does not exist"),
    ],
)
async def test_merchant_validation(http: httpx.AsyncClient, changes: dict[str, Any], message: str) -> None:
    answer = await http.post("/mpesa/stkpush/v1/processrequest", json=push_body(**changes), headers=await bearer(http))

    assert answer.status_code == 500
    assert answer.json()["errorCode"] == "500.001.1001"
    assert answer.json()["errorMessage"] == message


async def test_unknown_routes_and_methods_answer_like_daraja(http: httpx.AsyncClient) -> None:
    missing = await http.post("/mpesa/nothing/v1/here", json={})
    wrong_method = await http.get("/mpesa/stkpush/v1/processrequest")

    assert (missing.status_code, missing.json()["errorCode"]) == (404, "404.001.01")
    assert (wrong_method.status_code, wrong_method.json()["errorCode"]) == (405, "405.001")


def test_settings_from_env() -> None:
    settings = SimulatorSettings.from_env(
        {
            "MICROPAY_SIM_CALLBACK_DELAY_MS": "50",
            "MICROPAY_SIM_HOLD_MS": "0",
            "MICROPAY_SIM_MERCHANTS": " 600100:pk-one , 7654321:pk-two ",
        }
    )

    assert (settings.callback_delay_ms, settings.hold_ms) == (50, 0)
    assert settings.all_merchants == {"174379": SANDBOX_PASSKEY, "600100": "pk-one", "7654321": "pk-two"}
    assert "pk-one" not in repr(settings)
    assert SANDBOX_PASSKEY not in repr(settings)
    defaults = SimulatorSettings.from_env({})
    assert (defaults.callback_delay_ms, defaults.hold_ms, defaults.merchants) == (2000, 30000, {})


@pytest.mark.parametrize(
    "environ",
    [
        {"MICROPAY_SIM_CALLBACK_DELAY_MS": "soon"},
        {"MICROPAY_SIM_HOLD_MS": "-1"},
        {"MICROPAY_SIM_MERCHANTS": "600100"},
        {"MICROPAY_SIM_MERCHANTS": "12:pk"},
    ],
)
def test_bad_settings_are_refused(environ: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="MICROPAY_SIM_"):
        SimulatorSettings.from_env(environ)
