"""The parameters each call takes (keyword arguments, typed). Only the ones you pass are sent."""

from __future__ import annotations

from typing import Literal, Required, TypedDict

from micropay_sdk.objects import PaymentIntentStatus


class ListParams(TypedDict, total=False):
    #: 1-100 (the server's default is 10).
    limit: int
    starting_after: str
    ending_before: str


class PaymentIntentCreateParams(TypedDict, total=False):
    #: KES cents, a multiple of 100 from 100 (KES 1) to 25_000_000.
    amount: Required[int]
    currency: Required[str]
    phone_number: str
    account_reference: str
    description: str
    metadata: dict[str, str]
    #: Create and send the STK push in one call.
    confirm: bool


class PaymentIntentConfirmParams(TypedDict, total=False):
    #: Required if the intent has none.
    phone_number: str
    #: With a publishable key.
    client_secret: str


class PaymentIntentCancelParams(TypedDict, total=False):
    cancellation_reason: str


class PaymentIntentListParams(ListParams, total=False):
    status: PaymentIntentStatus


class CreatedRange(TypedDict, total=False):
    gt: int
    gte: int
    lt: int
    lte: int


class EventListParams(ListParams, total=False):
    #: Exact, or a prefix with ``*`` (``payment_intent.*``).
    type: str
    #: Up to 20 exact types.
    types: list[str]
    created: CreatedRange
    #: ``False``: events with at least one endpoint not yet delivered.
    delivery_success: bool


class WebhookEndpointCreateParams(TypedDict, total=False):
    url: Required[str]
    #: ``["*"]`` or a list of event types.
    enabled_events: Required[list[str]]
    description: str


class WebhookEndpointUpdateParams(TypedDict, total=False):
    url: str
    enabled_events: list[str]
    description: str
    disabled: bool


WaitUntil = Literal["terminal", "change"]
