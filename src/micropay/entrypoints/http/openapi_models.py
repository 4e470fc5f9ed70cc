"""Response bodies: each Struct here is both what a handler encodes and its schema in the OpenAPI document.

The presenters (``presenters.py``) build these very Structs, as ``public_intent`` builds the intent
(``PublicPaymentIntent``, also an event's ``data.object``); field order is the order of the encoded body.
Enumerations are the domain's own (``AttemptKind``, ``AttemptOutcome``, ``Environment``, ``TransactionType``),
and bounds its constants, so the document cannot drift from what the service does.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import SecurityRequirement

from micropay.domain.model.api_keys import KeyType
from micropay.domain.model.credentials import CONSUMER_KEY_HINT_LENGTH, TransactionType
from micropay.domain.model.environment import Environment
from micropay.domain.model.events import Event
from micropay.domain.model.provider import AttemptKind, AttemptOutcome
from micropay.domain.model.public_intent import PublicPaymentIntent
from micropay.domain.model.redaction import TOKEN_HINT_LENGTH, redacted_fields, redacted_repr

#: Routes that take no API key (health checks; Daraja's callbacks, authenticated by their URL token).
ANONYMOUS: list[SecurityRequirement] = [{}]


class PaymentIntentList(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["list"] = "list"
    data: list[PublicPaymentIntent]
    has_more: bool
    url: str


class EventList(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["list"] = "list"
    data: list[Event]
    has_more: bool
    url: str


#: A push row's callback token, shown only as its first characters and an ellipsis (``AbC123…``).
CallbackTokenHint = Annotated[
    str,
    msgspec.Meta(
        min_length=TOKEN_HINT_LENGTH + 1,
        max_length=TOKEN_HINT_LENGTH + 1,
        description=f"The callback token's first {TOKEN_HINT_LENGTH} characters and an ellipsis.",
        examples=["AbC123…"],
    ),
]
ConsumerKeyHint = Annotated[
    str,
    msgspec.Meta(
        max_length=CONSUMER_KEY_HINT_LENGTH,
        description=f"The last {CONSUMER_KEY_HINT_LENGTH} characters of the consumer key.",
    ),
]


class ProviderAttemptObject(msgspec.Struct, frozen=True, kw_only=True):
    """One exchange with Daraja (an STK push, a callback or a query), redacted."""

    id: str
    object: Literal["provider_attempt"] = "provider_attempt"
    kind: AttemptKind
    created: int
    request: Any
    response: Any
    http_status: int | None
    outcome: AttemptOutcome | None
    checkout_request_id: str | None
    callback_token: CallbackTokenHint | None


class ProviderAttemptList(msgspec.Struct, frozen=True, kw_only=True):
    object: Literal["list"] = "list"
    data: list[ProviderAttemptObject]
    has_more: bool
    url: str


class CredentialsObject(msgspec.Struct, frozen=True, kw_only=True):
    """The masked view of the Daraja credentials; ``deleted`` only in the answer to a delete."""

    object: Literal["mpesa_credentials"] = "mpesa_credentials"
    environment: Environment
    business_short_code: str
    transaction_type: TransactionType
    party_b: str | None
    consumer_key_last4: ConsumerKeyHint
    updated: int
    deleted: Literal[True] | msgspec.UnsetType = msgspec.UNSET


class ApiKeyObject(msgspec.Struct, frozen=True, kw_only=True):
    """A new API key; ``key`` is the key itself, shown in this answer only."""

    object: Literal["api_key"] = "api_key"
    id: str
    type: KeyType
    livemode: bool
    key: str
    display_prefix: str
    created: int

    def __repr__(self) -> str:
        return redacted_repr(self, ("key",))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("key",))


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
