"""Each synchronous answer Daraja gives an STK push, and each transport failure, as the verdict it is.

The verdict decides what the confirm does (``settle_push``): accepted -> processing with the checkout id;
rejected -> failed with the customer-facing error; not sent / misconfigured -> restored (503 / 502);
answer lost -> stays processing and is never pushed again. So "lost" and "not sent" must never be confused.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from micropay.adapters.daraja import mapping
from micropay.adapters.daraja.mapping import DarajaAnswer
from micropay.domain.model import result_codes
from micropay.domain.model.intent import PaymentError
from micropay.domain.model.push import (
    DEFAULT_RETRY_AFTER,
    PushAccepted,
    PushAnswerLost,
    PushMisconfigured,
    PushNotSent,
    PushRejected,
    PushVerdict,
)
from micropay.ports.daraja_gateway import Exchange, ProviderConfigurationError, ProviderUnavailable

EXCHANGE = Exchange(request={"Password": "[REDACTED]"}, response={"any": "thing"}, http_status=200)


def envelope(code: str, message: str) -> dict[str, Any]:
    return {"requestId": "1234-5678", "errorCode": code, "errorMessage": message}


ACCEPTED_BODY = {
    "MerchantRequestID": "29115-34620561-1",
    "CheckoutRequestID": "ws_CO_191220191020363925",
    "ResponseCode": "0",
    "ResponseDescription": "Success. Request accepted for processing",
    "CustomerMessage": "Success. Request accepted for processing",
}

# (HTTP status, body) -> the kind of verdict, and for a not-sent push the Retry-After it carries
TABLE: list[tuple[str, int, Any, type[PushVerdict], float | None]] = [
    ("accepted", 200, ACCEPTED_BODY, PushAccepted, None),
    ("accepted, ResponseCode as a number", 200, {**ACCEPTED_BODY, "ResponseCode": 0}, PushAccepted, None),
    ("accepted, ResponseCode padded", 200, {**ACCEPTED_BODY, "ResponseCode": " 0 "}, PushAccepted, None),
    ("any 2xx counts", 201, ACCEPTED_BODY, PushAccepted, None),
    ("ResponseCode not 0", 200, {**ACCEPTED_BODY, "ResponseCode": "1"}, PushNotSent, DEFAULT_RETRY_AFTER),
    ("ResponseCode missing", 200, {"CheckoutRequestID": "ws_CO_1"}, PushNotSent, DEFAULT_RETRY_AFTER),
    ("accepted without a CheckoutRequestID", 200, {"ResponseCode": "0"}, PushAnswerLost, None),
    (
        "accepted with an empty CheckoutRequestID",
        200,
        {"ResponseCode": "0", "CheckoutRequestID": ""},
        PushAnswerLost,
        None,
    ),
    ("a 2xx that is not JSON", 200, "<html>ok?</html>", PushAnswerLost, None),
    ("a 2xx JSON list", 200, [ACCEPTED_BODY], PushAnswerLost, None),
    ("a 2xx with no body", 200, None, PushAnswerLost, None),
    ("invalid phone number", 400, envelope("400.002.02", "Bad Request - Invalid PhoneNumber"), PushRejected, None),
    ("invalid PartyA", 400, envelope("400.002.02", "Bad Request - Invalid PartyA"), PushRejected, None),
    (
        "subscriber locked",
        500,
        envelope("500.001.1001", "Unable to lock subscriber, a transaction is already in process"),
        PushRejected,
        None,
    ),
    ("invalid callback URL", 400, envelope("400.002.02", "Bad Request - Invalid CallBackURL"), PushMisconfigured, None),
    (
        "invalid shortcode",
        400,
        envelope("400.002.02", "Bad Request - Invalid BusinessShortCode"),
        PushMisconfigured,
        None,
    ),
    (
        "wrong credentials",
        500,
        envelope("500.001.1001", "[MerchantValidate] - Wrong credentials"),
        PushMisconfigured,
        None,
    ),
    ("merchant does not exist", 500, envelope("500.001.1001", "Merchant does not exist"), PushMisconfigured, None),
    ("resource not found", 404, envelope("404.001.01", "Resource not found"), PushMisconfigured, None),
    ("a bare 403", 403, None, PushMisconfigured, None),
    ("a bare 400 page", 400, "<html>bad</html>", PushMisconfigured, None),
    (
        "merchant validation, other",
        500,
        envelope("500.001.1001", "Something sporadic"),
        PushNotSent,
        DEFAULT_RETRY_AFTER,
    ),
    ("spike arrest", 500, envelope("500.003.02", "Spike Arrest Violation"), PushNotSent, 5.0),
    ("quota violation", 500, envelope("500.003.03", "Quota Violation"), PushNotSent, 60.0),
    ("internal error", 500, envelope("500.003.1001", "Internal Server Error"), PushNotSent, 5.0),
    ("rate limited", 429, None, PushNotSent, DEFAULT_RETRY_AFTER),
    ("a proxy's 502 page", 502, "<html>bad gateway</html>", PushNotSent, DEFAULT_RETRY_AFTER),
    ("503 with an envelope", 503, envelope("503.001.01", "Service Unavailable"), PushNotSent, DEFAULT_RETRY_AFTER),
    ("a gateway timeout", 504, "gateway timeout", PushAnswerLost, None),
    ("a gateway timeout with no body", 504, None, PushAnswerLost, None),
    ("a 504 that is Daraja's own envelope", 504, envelope("500.003.1001", "Timeout"), PushNotSent, 5.0),
]


@pytest.mark.parametrize(
    ("status", "body", "kind", "retry_after"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_each_synchronous_answer_is_one_verdict(
    status: int, body: Any, kind: type[PushVerdict], retry_after: float | None
) -> None:
    verdict = mapping.push_outcome(DarajaAnswer(status=status, body=body), EXCHANGE)

    assert type(verdict) is kind
    assert verdict.exchange is EXCHANGE  # the provider log keeps what was exchanged, whatever it meant
    if isinstance(verdict, PushNotSent):
        assert (verdict.retry_after, verdict.circuit_open) == (retry_after, False)
    if not isinstance(verdict, PushAccepted | PushRejected):
        assert verdict.reason  # what the 502/503 (or the log) says


def test_an_accepted_push_names_its_checkout_and_merchant_request() -> None:
    verdict = mapping.push_outcome(DarajaAnswer(status=200, body=ACCEPTED_BODY), EXCHANGE)
    assert verdict == PushAccepted(
        checkout_request_id="ws_CO_191220191020363925", merchant_request_id="29115-34620561-1", exchange=EXCHANGE
    )
    for merchant in (None, "", 42):
        odd = mapping.push_outcome(
            DarajaAnswer(status=200, body={**ACCEPTED_BODY, "MerchantRequestID": merchant}), EXCHANGE
        )
        assert isinstance(odd, PushAccepted)
        assert odd.merchant_request_id is None


@pytest.mark.parametrize(
    ("body", "error_code", "provider_code"),
    [
        (envelope("400.002.02", "Bad Request - Invalid PhoneNumber"), result_codes.REJECTED_PHONE_NUMBER, "400.002.02"),
        (
            envelope("500.001.1001", "Unable to lock subscriber, a transaction is already in process"),
            result_codes.REJECTED_SUBSCRIBER_BUSY,
            "500.001.1001",
        ),
    ],
)
def test_a_rejection_carries_the_customer_facing_error(body: Any, error_code: str, provider_code: str) -> None:
    status = int(provider_code[:3])
    verdict = mapping.push_outcome(DarajaAnswer(status=status, body=body), EXCHANGE)
    assert verdict == PushRejected(
        error=PaymentError(
            code=error_code, message=result_codes.message_for(error_code), mpesa_result_code=provider_code
        ),
        exchange=EXCHANGE,
    )


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (httpx.ConnectError("refused"), PushNotSent),
        (httpx.ConnectTimeout("slow connect"), PushNotSent),
        (httpx.PoolTimeout("pool"), PushNotSent),
        (httpx.ProxyError("proxy"), PushNotSent),
        (httpx.UnsupportedProtocol("ftp"), PushNotSent),
        (httpx.LocalProtocolError("local"), PushNotSent),
        (httpx.ReadTimeout("read"), PushAnswerLost),
        (httpx.WriteTimeout("write"), PushAnswerLost),
        (httpx.ReadError("reset"), PushAnswerLost),
        (httpx.WriteError("broken pipe"), PushAnswerLost),
        (httpx.RemoteProtocolError("server hung up"), PushAnswerLost),
    ],
)
def test_a_transport_failure_is_not_sent_only_when_nothing_can_have_left(
    failure: httpx.TransportError, kind: type[PushVerdict]
) -> None:
    sent = Exchange(request={"Amount": 10})
    verdict = mapping.push_transport_error(failure, sent)
    assert type(verdict) is kind
    assert verdict.exchange is sent
    assert type(failure).__name__ in verdict.reason


def test_a_push_that_could_not_get_a_token_was_not_sent() -> None:
    down = ProviderUnavailable("Daraja's OAuth endpoint failed (HTTP 503).", EXCHANGE, retry_after=7.0)
    assert mapping.push_refused(down) == PushNotSent(reason=down.message, retry_after=7.0, exchange=EXCHANGE)
    refused = ProviderConfigurationError("Daraja refused the consumer key and secret (HTTP 400).", EXCHANGE)
    assert mapping.push_refused(refused) == PushMisconfigured(reason=refused.message, exchange=EXCHANGE)
