"""What Daraja tells us about a payment, as plain domain data (no wire format here)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec


class AttemptKind(StrEnum):
    STK_PUSH = "stk_push"
    CALLBACK = "callback"
    STK_QUERY = "stk_query"


class AttemptOutcome(StrEnum):
    """What became of one exchange with Daraja; recorded on its ``provider_attempt`` row."""

    ACCEPTED = "accepted"  # STK push accepted for processing
    REJECTED = "rejected"  # STK push refused for a customer reason: the intent failed
    NOT_SENT = "not_sent"  # unavailable / misconfigured before acceptance: the intent is unchanged
    ANSWER_LOST = "answer_lost"  # sent, answer lost: the push may have happened
    APPLIED = "applied"  # a result that changed the intent
    DUPLICATE = "duplicate"  # a result already applied: nothing changed
    AMOUNT_MISMATCH = "amount_mismatch"  # a success for another amount: refused and flagged
    SUPERSEDED = "superseded"  # a result for an attempt that is no longer the intent's current one
    IGNORED = "ignored"  # a result the intent's state does not admit (for example a failure after cancel)
    UNEXPECTED_PAYMENT = "unexpected_payment"  # money moved the intent cannot absorb: the merchant must refund it
    PENDING = "pending"  # the query says "still processing"
    INVALID = "invalid"  # a callback we could not parse or match
    ERROR = "error"  # the exchange failed (query unavailable, for example)


class PaymentResult(msgspec.Struct, frozen=True, kw_only=True):
    """A final result for one STK push, from a callback or a query.

    ``result_code`` is normalised (see ``result_codes.normalise_result_code``). ``amount`` is in minor
    units when Daraja reported one (success callbacks); queries do not carry the amount.
    """

    result_code: str
    result_desc: str = ""
    checkout_request_id: str | None = None
    merchant_request_id: str | None = None
    amount: int | None = None
    receipt_number: str | None = None
    transaction_date: int | None = None  # Unix seconds
    phone_number: str | None = None


class Exchange(msgspec.Struct, frozen=True, kw_only=True):
    """One request/response with Daraja, redacted (no Password, no access token): what the provider log keeps."""

    request: Any = None
    response: Any = None
    http_status: int | None = None
