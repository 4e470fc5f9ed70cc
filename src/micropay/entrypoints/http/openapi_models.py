"""Response shapes for the OpenAPI document only.

Handlers encode their bodies themselves (``presenters``), so these Structs describe, field for field,
what ``presenters`` produce; ``tests/unit/http/test_openapi_models.py`` holds the two together.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import SecurityRequirement

#: Routes that take no API key (health checks; Daraja's callbacks, authenticated by their URL token).
ANONYMOUS: list[SecurityRequirement] = [{}]


class NextAction(msgspec.Struct):
    type: Literal["mpesa_stk_prompt"]
    phone_number: str
    expires_at: int


class PaymentErrorObject(msgspec.Struct):
    code: str
    message: str
    mpesa_result_code: str | None


class MpesaObject(msgspec.Struct):
    checkout_request_id: str | None
    merchant_request_id: str | None
    receipt_number: str | None
    transaction_date: int | None
    phone_number: str | None


class PaymentIntentObject(msgspec.Struct):
    id: str
    object: Literal["payment_intent"]
    livemode: bool
    amount: int
    currency: Literal["kes"]
    status: Literal["requires_payment_method", "processing", "succeeded", "failed", "canceled"]
    phone_number: str | None
    account_reference: str
    description: str | None
    client_secret: str | None
    next_action: NextAction | None
    last_payment_error: PaymentErrorObject | None
    mpesa: MpesaObject | None
    created: int
    updated: int
    canceled_at: int | None
    cancellation_reason: str | None
    metadata: dict[str, str] = {}  # omitted when retrieved with a publishable key and client_secret


class PaymentIntentList(msgspec.Struct):
    object: Literal["list"]
    data: list[PaymentIntentObject]
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
        429: "Too many failed attempts for this email; see Retry-After",
        502: "Daraja refused the merchant's credentials or shortcode",
        503: "Daraja or the database is unavailable; see Retry-After",
    }
    return {status: ResponseSpec(data_container=ErrorEnvelope, description=meaning[status]) for status in statuses}
