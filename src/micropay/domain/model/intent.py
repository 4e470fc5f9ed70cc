"""The PaymentIntent: one payment a merchant wants to collect, through any number of STK push attempts."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec

from micropay.domain.model.environment import Environment

PROMPT_TTL_SECONDS: Final = 90  # how long the STK prompt is expected to stay open on the phone


class IntentStatus(StrEnum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


#: No transition leaves these; a success that arrives for one is an unexpected payment.
TERMINAL: Final = frozenset({IntentStatus.SUCCEEDED, IntentStatus.CANCELED})


CONFIRMABLE: Final = frozenset({IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.FAILED})
CANCELABLE: Final = CONFIRMABLE


class PaymentError(msgspec.Struct, frozen=True, kw_only=True):
    """Why the last attempt failed (``last_payment_error``)."""

    code: str
    message: str
    mpesa_result_code: str | None = None


class MpesaDetails(msgspec.Struct, frozen=True, kw_only=True):
    """What Daraja told us about the current attempt (``mpesa``)."""

    phone_number: str
    checkout_request_id: str | None = None
    merchant_request_id: str | None = None
    receipt_number: str | None = None
    transaction_date: int | None = None


class PaymentIntent(msgspec.Struct, frozen=True, kw_only=True):
    """Immutable; every transition in ``state_machine`` returns a new one with ``version`` + 1."""

    id: str
    merchant_id: str
    environment: Environment
    amount: int
    currency: str
    status: IntentStatus
    phone_number: str | None
    account_reference: str
    description: str | None
    metadata: dict[str, str]
    secret_hash: str
    created: int
    updated: int
    version: int = 1
    attempt_id: str | None = None
    attempt_count: int = 0
    next_action_expires_at: int | None = None
    last_payment_error: PaymentError | None = None
    mpesa: MpesaDetails | None = None
    canceled_at: int | None = None
    cancellation_reason: str | None = None

    @property
    def livemode(self) -> bool:
        return self.environment.livemode

    @property
    def checkout_request_id(self) -> str | None:
        return self.mpesa.checkout_request_id if self.mpesa else None
