"""What each Daraja answer means (the one mapping module), without any I/O."""

from __future__ import annotations

from typing import Any

import pytest

from micropay.adapters.daraja import mapping
from micropay.adapters.daraja.mapping import DarajaAnswer
from micropay.domain.model.push import PushMisconfigured, PushRejected
from micropay.ports.daraja_gateway import (
    Exchange,
    ProviderConfigurationError,
    QueryFinal,
    QueryPending,
)

EXCHANGE = Exchange(request={"Password": "[REDACTED]"})


def envelope(code: str, message: str) -> dict[str, Any]:
    return {"requestId": "ws_CO_1", "errorCode": code, "errorMessage": message}


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, envelope("500.001.1001", "The transaction is being processed")),
        (500, envelope("500.001.1001", "The transaction does not Exist")),
        (500, envelope("500.001.1001", "Something sporadic")),
        (200, {"ResponseCode": "0", "ResultCode": "4999", "ResultDesc": "The transaction is still under processing"}),
        (200, {"ResponseCode": "0", "ResultCode": 4999}),
        (200, {"ResponseCode": "0"}),
    ],
)
def test_query_pending_forms(status: int, body: Any) -> None:
    assert isinstance(mapping.query_outcome(DarajaAnswer(status=status, body=body), EXCHANGE), QueryPending)


@pytest.mark.parametrize(("raw", "code"), [("0", "0"), ("1032", "1032"), (1037, "1037"), ("SFC_IC0003", "SFC_IC0003")])
def test_query_final(raw: Any, code: str) -> None:
    body = {
        "ResponseCode": "0",
        "CheckoutRequestID": "ws_CO_1",
        "MerchantRequestID": "m",
        "ResultCode": raw,
        "ResultDesc": "d",
    }

    answer = mapping.query_outcome(DarajaAnswer(status=200, body=body), EXCHANGE)

    assert isinstance(answer, QueryFinal)
    assert (answer.result.result_code, answer.result.checkout_request_id, answer.result.result_desc) == (
        code,
        "ws_CO_1",
        "d",
    )
    assert answer.exchange is EXCHANGE


@pytest.mark.parametrize("message", ["[MerchantValidate] - Wrong credentials", "Merchant does not exist"])
def test_query_setup_errors(message: str) -> None:
    with pytest.raises(ProviderConfigurationError):
        mapping.query_outcome(DarajaAnswer(status=500, body=envelope("500.001.1001", message)), EXCHANGE)


@pytest.mark.parametrize(
    ("body", "error_code"),
    [
        (envelope("400.002.02", "Bad Request - Invalid PhoneNumber"), "phone_number_invalid"),
        (envelope("400.002.02", "Bad Request - Invalid PartyA"), "phone_number_invalid"),
        (
            envelope(
                "500.001.1001",
                "Unable to lock subscriber, a transaction is already in process for the current subscriber",
            ),
            "customer_busy",
        ),
    ],
)
def test_customer_rejections(body: Any, error_code: str) -> None:
    status = 400 if body["errorCode"].startswith("400") else 500
    verdict = mapping.push_outcome(DarajaAnswer(status=status, body=body), EXCHANGE)

    assert isinstance(verdict, PushRejected)
    assert verdict.error.code == error_code
    assert verdict.error.mpesa_result_code == body["errorCode"]
    assert verdict.exchange is EXCHANGE


@pytest.mark.parametrize(
    "message",
    ["Bad Request - Invalid BusinessShortCode", "Bad Request - Invalid Timestamp", "Bad Request - Invalid Amount"],
)
def test_other_invalid_fields_are_the_merchants_setup(message: str) -> None:
    verdict = mapping.push_outcome(DarajaAnswer(status=400, body=envelope("400.002.02", message)), EXCHANGE)
    assert isinstance(verdict, PushMisconfigured)


@pytest.mark.parametrize(
    ("answer", "rejected"),
    [
        (DarajaAnswer(status=404, body=envelope("404.001.03", "Invalid Access Token")), True),
        (DarajaAnswer(status=401, body=None), True),
        (DarajaAnswer(status=404, body=envelope("404.001.01", "Resource not found")), False),
        (DarajaAnswer(status=401, body=envelope("401.002.01", "Error Occurred - Invalid Access Token")), False),
    ],
)
def test_token_rejection(answer: DarajaAnswer, rejected: bool) -> None:
    assert mapping.is_token_rejected(answer) is rejected


def test_bodies_that_are_not_json_are_kept_as_text() -> None:
    assert mapping.decode_body(b"<html>503</html>") == "<html>503</html>"
    assert mapping.decode_body(b"") is None
    assert mapping.decode_body(b'{"a": 1}') == {"a": 1}
    assert mapping.error_envelope("<html>") is None
