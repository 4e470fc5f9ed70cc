"""What Daraja's answers mean: the one place that turns HTTP answers and transport failures into port results.

An STK push's answer becomes a ``PushVerdict`` value (accepted, rejected, not sent, misconfigured, answer
lost); a query's becomes pending or final, or raises when it learnt nothing. Every rule here follows Daraja
as docs/adr/0004-daraja-adapter.md describes it, with its judgement calls:

- an STK push is accepted only when ``ResponseCode`` compared as a string is ``"0"``;
- a push whose request may have left (read/write timeout, dropped connection, an accepted answer we cannot
  read, a gateway timeout) is ``PushAnswerLost``, never "not sent", so it is never pushed again;
- on the query, ``500.001.1001`` (except the merchant-setup messages) and ``ResultCode`` 4999 mean "ask again
  later", including "The transaction does not Exist": a query never fails a payment.
"""

from __future__ import annotations

from typing import Any, Final

import httpx
import msgspec

from micropay.domain.model import result_codes
from micropay.domain.model.intent import PaymentError
from micropay.domain.model.provider import PaymentResult
from micropay.domain.model.push import (
    DEFAULT_RETRY_AFTER,
    PushAccepted,
    PushAnswerLost,
    PushMisconfigured,
    PushNotSent,
    PushRejected,
    PushVerdict,
)
from micropay.domain.model.result_codes import STILL_PROCESSING, normalise_result_code
from micropay.ports.daraja_gateway import (
    Exchange,
    ProviderConfigurationError,
    ProviderUnavailable,
    QueryFinal,
    QueryPending,
)

INVALID_TOKEN: Final = "404.001.03"  # noqa: S105 (an error code, not a secret)
BAD_REQUEST: Final = "400.002.02"
MERCHANT_VALIDATION: Final = "500.001.1001"
SPIKE_ARREST: Final = "500.003.02"
QUOTA_VIOLATION: Final = "500.003.03"
INTERNAL_ERROR: Final = "500.003.1001"

_TEXT_LIMIT: Final = 2000  # characters of a non-JSON body kept in the attempts log
_MESSAGE_LIMIT: Final = 200
_SETUP_MESSAGES: Final = ("wrong credentials", "merchant does not exist")
_PHONE_FIELDS: Final = ("invalid phonenumber", "invalid partya")
_RETRY_AFTER: Final[dict[str, float]] = {SPIKE_ARREST: 5.0, QUOTA_VIOLATION: 60.0, INTERNAL_ERROR: 5.0}


class DarajaAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """One HTTP answer: the status and the body (decoded JSON, or the text when it is not JSON)."""

    status: int
    body: Any


class ErrorEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str | None
    error_code: str | None
    error_message: str


class TokenRejected(Exception):
    """Internal signal: Daraja refused the access token (``404.001.03``). Refresh once and try again."""


def decode_body(content: bytes) -> Any:
    """JSON when it is JSON; otherwise the (truncated) text, so that nothing fails on a proxy's HTML page."""
    if not content:
        return None
    try:
        return msgspec.json.decode(content)
    except msgspec.DecodeError:
        return content.decode("utf-8", errors="replace")[:_TEXT_LIMIT]


def error_envelope(body: Any) -> ErrorEnvelope | None:
    """``{requestId, errorCode, errorMessage}`` from any body, tolerating missing or odd-typed fields."""
    if not isinstance(body, dict) or ("errorCode" not in body and "errorMessage" not in body):
        return None
    code, message, request_id = body.get("errorCode"), body.get("errorMessage"), body.get("requestId")
    return ErrorEnvelope(
        request_id=str(request_id) if request_id is not None else None,
        error_code=str(code).strip() if code is not None else None,
        error_message=str(message)[:_MESSAGE_LIMIT] if message is not None else "",
    )


def is_token_rejected(answer: DarajaAnswer) -> bool:
    """``404.001.03`` (as documented); a bare HTTP 401 is what some gateways and mocks answer instead."""
    envelope = error_envelope(answer.body)
    if envelope is not None and envelope.error_code == INVALID_TOKEN:
        return True
    return answer.status == 401 and (envelope is None or envelope.error_code is None)


def _describe(answer: DarajaAnswer, envelope: ErrorEnvelope | None) -> str:
    if envelope is None:
        return f"HTTP {answer.status}"
    return f"HTTP {answer.status} {envelope.error_code or '?'}: {envelope.error_message}"


def _mentions(envelope: ErrorEnvelope, needles: tuple[str, ...]) -> bool:
    text = envelope.error_message.lower()
    return any(needle in text for needle in needles)


# --- OAuth -------------------------------------------------------------------------------------------------


def token_from(answer: DarajaAnswer, exchange: Exchange) -> tuple[str, int]:
    """``(access_token, expires_in)`` from an OAuth answer; ``expires_in`` may be a number or a string."""
    if 200 <= answer.status < 300 and isinstance(answer.body, dict):
        token, expires_in = answer.body.get("access_token"), answer.body.get("expires_in")
        if isinstance(token, str) and token and not isinstance(expires_in, bool):
            try:
                return token, int(str(expires_in).strip())
            except ValueError:
                pass
        raise ProviderUnavailable("Daraja's OAuth answer could not be read.", exchange)
    envelope = error_envelope(answer.body)
    if answer.status in (400, 401, 403):
        raise ProviderConfigurationError(
            f"Daraja refused the consumer key and secret ({_describe(answer, envelope)}).", exchange
        )
    raise ProviderUnavailable(f"Daraja's OAuth endpoint failed ({_describe(answer, envelope)}).", exchange)


def token_refused_twice(exchange: Exchange) -> ProviderConfigurationError:
    return ProviderConfigurationError(
        "Daraja refused a freshly issued access token (404.001.03): is Lipa Na M-Pesa enabled on the app?",
        exchange,
    )


# --- STK push ----------------------------------------------------------------------------------------------


def push_outcome(answer: DarajaAnswer, exchange: Exchange) -> PushVerdict:
    """Daraja's synchronous answer to an STK push as a verdict. Never asks for a retry of the push."""
    if 200 <= answer.status < 300:
        body = answer.body
        if not isinstance(body, dict):
            return PushAnswerLost(
                reason="Daraja's answer to the STK push could not be read; it may have been accepted.",
                exchange=exchange,
            )
        if str(body.get("ResponseCode", "")).strip() != "0":
            return PushNotSent(
                reason=f"Daraja did not accept the STK push (ResponseCode {body.get('ResponseCode')!r}).",
                exchange=exchange,
            )
        checkout = body.get("CheckoutRequestID")
        if not isinstance(checkout, str) or not checkout:
            return PushAnswerLost(reason="Daraja accepted the STK push without a CheckoutRequestID.", exchange=exchange)
        merchant = body.get("MerchantRequestID")
        return PushAccepted(
            checkout_request_id=checkout,
            merchant_request_id=merchant if isinstance(merchant, str) and merchant else None,
            exchange=exchange,
        )
    envelope = error_envelope(answer.body)
    code = envelope.error_code if envelope else None
    description = _describe(answer, envelope)
    if envelope is not None and code == BAD_REQUEST:
        if _mentions(envelope, _PHONE_FIELDS):
            return _rejected(result_codes.REJECTED_PHONE_NUMBER, BAD_REQUEST, exchange)
        return PushMisconfigured(reason=f"Daraja refused the STK push request ({description}).", exchange=exchange)
    if envelope is not None and code == MERCHANT_VALIDATION:
        if "unable to lock subscriber" in envelope.error_message.lower():
            return _rejected(result_codes.REJECTED_SUBSCRIBER_BUSY, MERCHANT_VALIDATION, exchange)
        if _mentions(envelope, _SETUP_MESSAGES):
            return PushMisconfigured(reason=f"Daraja refused the merchant's setup ({description}).", exchange=exchange)
        return PushNotSent(reason=f"Daraja did not accept the STK push ({description}).", exchange=exchange)
    if answer.status == 504 and envelope is None:
        return PushAnswerLost(
            reason="A gateway timed out waiting for Daraja; the STK push may have been accepted.", exchange=exchange
        )
    if answer.status >= 500 or answer.status == 429:
        retry_after = _RETRY_AFTER.get(code or "", DEFAULT_RETRY_AFTER)
        return PushNotSent(reason=f"Daraja is unavailable ({description}).", retry_after=retry_after, exchange=exchange)
    return PushMisconfigured(reason=f"Daraja refused the STK push request ({description}).", exchange=exchange)


def _rejected(error_code: str, provider_code: str, exchange: Exchange) -> PushRejected:
    """A customer-reason refusal: the contract's ``last_payment_error`` with Daraja's ``errorCode``."""
    error = PaymentError(code=error_code, message=result_codes.message_for(error_code), mpesa_result_code=provider_code)
    return PushRejected(error=error, exchange=exchange)


def push_refused(exc: ProviderUnavailable | ProviderConfigurationError) -> PushNotSent | PushMisconfigured:
    """A push that never left because its token could not be had (OAuth down or refusing the key, no base URL)."""
    if isinstance(exc, ProviderConfigurationError):
        return PushMisconfigured(reason=exc.message, exchange=exc.exchange)
    return PushNotSent(reason=exc.message, retry_after=exc.retry_after, exchange=exc.exchange)


# --- STK push query ----------------------------------------------------------------------------------------


def query_outcome(answer: DarajaAnswer, exchange: Exchange) -> QueryPending | QueryFinal:
    """Pending, final, or an error: ``ProviderUnavailable`` (worth asking again) or ``ProviderConfigurationError``."""
    if 200 <= answer.status < 300:
        body = answer.body
        if not isinstance(body, dict):
            raise ProviderUnavailable("Daraja's answer to the STK query could not be read.", exchange)
        raw = body.get("ResultCode")
        if raw is None:
            return QueryPending(exchange=exchange)
        try:
            result_code = normalise_result_code(raw)
        except ValueError:
            raise ProviderUnavailable("Daraja's STK query answer has an unreadable ResultCode.", exchange) from None
        if result_code == STILL_PROCESSING:
            return QueryPending(exchange=exchange)
        return QueryFinal(result=_query_result(body, result_code), exchange=exchange)
    envelope = error_envelope(answer.body)
    code = envelope.error_code if envelope else None
    description = _describe(answer, envelope)
    if envelope is not None and code == MERCHANT_VALIDATION:
        if _mentions(envelope, _SETUP_MESSAGES):
            raise ProviderConfigurationError(f"Daraja refused the merchant's setup ({description}).", exchange)
        return QueryPending(exchange=exchange)  # "being processed", "does not Exist", sporadic: ask again later
    if answer.status >= 500 or answer.status == 429:
        retry_after = _RETRY_AFTER.get(code or "", DEFAULT_RETRY_AFTER)
        raise ProviderUnavailable(f"Daraja is unavailable ({description}).", exchange, retry_after=retry_after)
    raise ProviderConfigurationError(f"Daraja refused the STK query request ({description}).", exchange)


def _query_result(body: dict[str, Any], result_code: str) -> PaymentResult:
    desc, checkout, merchant = body.get("ResultDesc"), body.get("CheckoutRequestID"), body.get("MerchantRequestID")
    return PaymentResult(
        result_code=result_code,
        result_desc=desc if isinstance(desc, str) else "",
        checkout_request_id=checkout if isinstance(checkout, str) and checkout else None,
        merchant_request_id=merchant if isinstance(merchant, str) and merchant else None,
    )


# --- transport failures ------------------------------------------------------------------------------------

# Failures that happen before a single byte of the request can have reached Daraja.
_NOT_SENT: Final = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


def nothing_was_sent(exc: httpx.TransportError) -> bool:
    return isinstance(exc, _NOT_SENT)


def push_transport_error(exc: httpx.TransportError, exchange: Exchange) -> PushNotSent | PushAnswerLost:
    """Nothing sent: not sent. Sent (or maybe sent) and no answer: lost, never re-pushed."""
    kind = type(exc).__name__
    if nothing_was_sent(exc):
        return PushNotSent(reason=f"Daraja could not be reached ({kind}).", exchange=exchange)
    return PushAnswerLost(
        reason=f"The STK push was sent but its answer was lost ({kind}); it may have been accepted.", exchange=exchange
    )


def query_transport_error(exc: httpx.TransportError, exchange: Exchange) -> ProviderUnavailable:
    return ProviderUnavailable(f"Daraja's STK query failed ({type(exc).__name__}).", exchange)


def oauth_transport_error(exc: httpx.TransportError, exchange: Exchange) -> ProviderUnavailable:
    """The token request is harmless to lose: the push has not been sent yet."""
    return ProviderUnavailable(f"Daraja's OAuth endpoint could not be reached ({type(exc).__name__}).", exchange)
