"""Events: the one record of what happened to a payment intent (public event types, docs/api.md "Events").

A transition of the state machine returns ``IntentEvent`` values: which public event type, about which intent
version, when. The use case turns each into an ``Event`` (``event_of``), the object merchants list, retrieve and
(later) receive by webhook, and the unit of work stores it in the transaction that writes the intent. Every
status change yields exactly one event; two events name no status change: ``amount_mismatch`` (a success for
another amount was refused) and ``unexpected_payment`` (money moved that the intent cannot absorb).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

import msgspec

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.public_intent import PublicPaymentIntent, public_intent

API_VERSION: Final = "2026-12-01"


class EventType(StrEnum):
    """Every public event type; nothing else emits events."""

    CREATED = "payment_intent.created"
    PROCESSING = "payment_intent.processing"
    SUCCEEDED = "payment_intent.succeeded"
    PAYMENT_FAILED = "payment_intent.payment_failed"
    CANCELED = "payment_intent.canceled"
    AMOUNT_MISMATCH = "payment_intent.amount_mismatch"
    UNEXPECTED_PAYMENT = "payment_intent.unexpected_payment"


class UnexpectedPayment(msgspec.Struct, frozen=True, kw_only=True):
    """Money that moved for an intent that cannot absorb it: which push, its receipt and amount (to refund)."""

    attempt: str
    receipt_number: str | None
    amount: int | None


class IntentEvent(msgspec.Struct, frozen=True, kw_only=True):
    """What a transition says happened: one public event type about ``intent_id`` at ``version``."""

    type: EventType
    intent_id: str
    version: int
    at: int
    unexpected_payment: UnexpectedPayment | None = None


class EventRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The API request that caused an event (``request``); events of callbacks and the loop have none."""

    id: str | None
    idempotency_key: str | None = None


class EventData(msgspec.Struct, frozen=True, kw_only=True):
    """``object``: the intent right after the change (full view, client_secret null)."""

    object: PublicPaymentIntent
    unexpected_payment: UnexpectedPayment | msgspec.UnsetType = msgspec.UNSET


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """The Event object, field for field as merchants get it."""

    id: str
    object: Literal["event"] = "event"
    type: EventType
    created: int
    livemode: bool
    api_version: str = API_VERSION
    data: EventData
    request: EventRequest | None
    pending_webhooks: int = 0

    @property
    def intent_id(self) -> str:
        return self.data.object.id


def event_of(change: IntentEvent, intent: PaymentIntent, *, event_id: str, request: EventRequest | None) -> Event:
    """The stored, public form of ``change``; ``intent`` must be the intent the change produced."""
    if intent.id != change.intent_id or intent.version != change.version:
        raise ValueError("An event is built from the intent version its transition produced.")
    data = EventData(
        object=public_intent(intent),
        unexpected_payment=change.unexpected_payment if change.unexpected_payment is not None else msgspec.UNSET,
    )
    return Event(
        id=event_id,
        type=change.type,
        created=change.at,
        livemode=intent.livemode,
        data=data,
        request=request,
    )


#: ``types[]`` takes at most this many names.
MAX_TYPES_FILTER: Final = 20
_WILDCARD: Final = "*"


def parse_type_filter(pattern: str) -> tuple[tuple[str, ...], str | None]:
    """``type`` of ``GET /v1/events``: an exact type name, or a prefix ending in ``*`` (``payment_intent.*``).

    Returns ``(exact names, prefix)`` for the repository query; ``InvalidParameter`` for anything else.
    """
    if pattern.endswith(_WILDCARD) and _WILDCARD not in pattern[:-1]:
        return (), pattern[:-1]
    return (exact_type(pattern, "type"),), None


def exact_type(name: str, param: str) -> str:
    try:
        return EventType(name).value
    except ValueError:
        raise InvalidParameter(
            param, f"{param} must be an event type ({', '.join(t.value for t in EventType)}) or a prefix with *."
        ) from None
