"""The API's objects as typed, immutable msgspec Structs (contract §3, §8, §9).

Fields the server adds later are ignored rather than refused, so an older SDK keeps working against a
newer server. Secrets an object may carry (``client_secret``, a webhook endpoint's ``secret``) are left out
of ``repr`` so that logging an object never logs them.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

import msgspec

PaymentIntentStatus = Literal["requires_payment_method", "processing", "succeeded", "failed", "canceled"]
AttemptKind = Literal["stk_push", "callback", "stk_query"]

T = TypeVar("T")


def _redacted_repr(obj: msgspec.Struct, secret_fields: tuple[str, ...]) -> str:
    parts = []
    for name in obj.__struct_fields__:
        value = getattr(obj, name)
        shown = "'…'" if name in secret_fields and value is not None else repr(value)
        parts.append(f"{name}={shown}")
    return f"{type(obj).__name__}({', '.join(parts)})"


class NextAction(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    phone_number: str | None = None
    expires_at: int | None = None


class LastPaymentError(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    message: str | None = None
    mpesa_result_code: str | None = None


class MpesaDetails(msgspec.Struct, frozen=True, kw_only=True):
    checkout_request_id: str | None = None
    merchant_request_id: str | None = None
    receipt_number: str | None = None
    transaction_date: int | None = None
    phone_number: str | None = None


class PaymentIntent(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    object: Literal["payment_intent"] = "payment_intent"
    livemode: bool
    amount: int
    currency: str
    status: PaymentIntentStatus
    phone_number: str | None = None
    account_reference: str | None = None
    description: str | None = None
    #: Omitted by the server for publishable-key reads.
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    #: Only in the create response.
    client_secret: str | None = None
    next_action: NextAction | None = None
    last_payment_error: LastPaymentError | None = None
    mpesa: MpesaDetails | None = None
    created: int
    updated: int
    canceled_at: int | None = None
    cancellation_reason: str | None = None
    #: Grows with every change; ``payment_intents.wait(until="change", version=...)`` waits past it.
    version: int | None = None

    def __repr__(self) -> str:
        return _redacted_repr(self, ("client_secret",))


class ProviderAttempt(msgspec.Struct, frozen=True, kw_only=True):
    """One exchange with Daraja (a push, its callback, a query), secrets redacted by the server."""

    id: str
    object: Literal["provider_attempt"] = "provider_attempt"
    kind: AttemptKind
    created: int
    request: Any = None
    response: Any = None
    http_status: int | None = None
    outcome: str | None = None
    checkout_request_id: str | None = None
    callback_token: str | None = None


class UnexpectedPayment(msgspec.Struct, frozen=True, kw_only=True):
    """Money that moved for an intent that cannot absorb it: the push, its receipt and amount (to refund)."""

    attempt: str
    receipt_number: str | None = None
    amount: int | None = None


class EventData(msgspec.Struct, frozen=True, kw_only=True):
    #: The payment intent as it was right after the change (``client_secret`` null).
    object: PaymentIntent
    #: Only on ``payment_intent.unexpected_payment``.
    unexpected_payment: UnexpectedPayment | None = None


class EventRequest(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None = None
    idempotency_key: str | None = None


class Event(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    object: Literal["event"] = "event"
    type: str
    created: int
    livemode: bool
    api_version: str | None = None
    data: EventData
    #: ``None`` for changes made by a Daraja callback or the reconciliation loop.
    request: EventRequest | None = None
    pending_webhooks: int = 0


class WebhookEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    enabled_events: list[str]
    description: str | None = None
    status: Literal["enabled", "disabled"]
    disabled_reason: str | None = None
    livemode: bool
    created: int
    #: Shown only when the endpoint is created and when its secret is rotated.
    secret: str | None = None

    def __repr__(self) -> str:
        return _redacted_repr(self, ("secret",))


class DeletedWebhookEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    object: str = "webhook_endpoint"
    deleted: bool = True


class DeliveryAttempt(msgspec.Struct, frozen=True, kw_only=True):
    created: int
    http_status: int | None = None
    duration_ms: int | None = None
    error: str | None = None
    response_excerpt: str | None = None


class WebhookDelivery(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    object: Literal["webhook_delivery"] = "webhook_delivery"
    event: str
    event_type: str | None = None
    endpoint: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: list[DeliveryAttempt] = msgspec.field(default_factory=list)
    next_attempt_at: int | None = None
    created: int | None = None


class ListObject(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    """One page of a list, as the server sends it."""

    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool
    url: str | None = None


class WebhookRecovery(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to ``webhook_endpoints.recover`` (202): the server has rescheduled the window's deliveries.

    The contract fixes only the status; every field is optional so any acknowledgement body decodes.
    """

    object: str | None = None
    endpoint: str | None = None
    since: int | None = None
    until: int | None = None
    rescheduled: int | None = None
