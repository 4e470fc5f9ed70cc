"""Response shapes for the OpenAPI document.

The intent and the event are the very Structs the handlers encode (``PublicPaymentIntent``, ``Event``); the
others describe, field for field, what ``presenters`` produce (``tests/unit/http/test_openapi_models.py``).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import SecurityRequirement

from micropay.domain.model.events import Event
from micropay.domain.model.public_intent import PublicPaymentIntent

#: Routes that take no API key (health checks; Daraja's callbacks, authenticated by their URL token).
ANONYMOUS: list[SecurityRequirement] = [{}]


class PaymentIntentList(msgspec.Struct):
    object: Literal["list"]
    data: list[PublicPaymentIntent]
    has_more: bool
    url: str


class EventList(msgspec.Struct):
    object: Literal["list"]
    data: list[Event]
    has_more: bool
    url: str


class ProviderAttemptObject(msgspec.Struct):
    id: str
    object: Literal["provider_attempt"]
    kind: Literal["stk_push", "callback", "stk_query"]
    created: int
    request: Any
    response: Any
    http_status: int | None
    outcome: str | None
    checkout_request_id: str | None
    callback_token: str | None


class ProviderAttemptList(msgspec.Struct):
    object: Literal["list"]
    data: list[ProviderAttemptObject]
    has_more: bool
    url: str


class CredentialsObject(msgspec.Struct):
    object: Literal["mpesa_credentials"]
    environment: Literal["sandbox", "production"]
    business_short_code: str
    transaction_type: Literal["CustomerPayBillOnline", "CustomerBuyGoodsOnline"]
    party_b: str | None
    consumer_key_last4: str
    updated: int
    deleted: bool = False


class ApiKeyObject(msgspec.Struct):
    object: Literal["api_key"]
    id: str
    type: Literal["secret", "publishable"]
    livemode: bool
    key: str
    display_prefix: str
    created: int


class ErrorDetail(msgspec.Struct):
    type: str
    code: str
    message: str
    request_id: str | None
    param: str | None = None


class ErrorEnvelope(msgspec.Struct):
    error: ErrorDetail


class CallbackAck(msgspec.Struct):
    ResultCode: int
    ResultDesc: str


class Status(msgspec.Struct):
    status: str
    database: str | None = None
    daraja: dict[str, str] | None = None
    replicas: dict[str, str] | None = None  # only with MICROPAY_DATABASE_REPLICA_URLS


def ok(model: type[msgspec.Struct], description: str) -> ResponseSpec:
    return ResponseSpec(data_container=model, description=description)


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The contract's error envelope for each status a route can answer."""
    meaning = {
        400: "Invalid request: the error names the `param` at fault",
        401: "Missing, malformed, unknown or revoked API key",
        403: "A publishable key may not do this",
        404: "No such object for this merchant and environment",
        409: "The intent's status does not allow this, or the Idempotency-Key is in use",
        422: "Idempotency-Key reused with different parameters",
        429: "Too many failed logins for this email, or too many open event streams; see Retry-After",
        502: "Daraja refused the merchant's credentials or shortcode",
        503: "Daraja or the database is unavailable; see Retry-After",
    }
    return {status: ResponseSpec(data_container=ErrorEnvelope, description=meaning[status]) for status in statuses}
