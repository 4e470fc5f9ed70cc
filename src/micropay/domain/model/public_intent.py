"""The PaymentIntent as merchants see it: one msgspec Struct, the HTTP body, the OpenAPI schema and ``data.object``.

The HTTP presenters and the events both build it with ``public_intent``, so the JSON a merchant retrieves and
the JSON an event carries cannot drift apart. Field order is the order of the encoded body.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.domain.model.money import CURRENCY
from micropay.domain.model.msisdn import Msisdn


class NextAction(msgspec.Struct, frozen=True, kw_only=True):
    """The STK prompt is on the customer's phone (masked number) until ``expires_at``."""

    type: Literal["mpesa_stk_prompt"] = "mpesa_stk_prompt"
    phone_number: str
    expires_at: int


class PublicPaymentError(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    message: str
    mpesa_result_code: str | None


class PublicMpesa(msgspec.Struct, frozen=True, kw_only=True):
    checkout_request_id: str | None
    merchant_request_id: str | None
    receipt_number: str | None
    transaction_date: int | None
    phone_number: str | None


class PublicPaymentIntent(msgspec.Struct, frozen=True, kw_only=True):
    """``metadata`` is left out (UNSET, not encoded) in the reduced view a publishable key gets."""

    id: str
    object: Literal["payment_intent"] = "payment_intent"
    livemode: bool
    amount: int
    currency: Literal["kes"] = CURRENCY
    status: IntentStatus
    phone_number: str | None
    account_reference: str
    description: str | None
    metadata: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
    client_secret: str | None = None
    next_action: NextAction | None
    last_payment_error: PublicPaymentError | None
    mpesa: PublicMpesa | None
    created: int
    updated: int
    #: One more per transition: what ``GET /v1/payment_intents/{id}/wait?until=change&version=N`` compares with.
    version: int
    canceled_at: int | None
    cancellation_reason: str | None


def public_intent(
    intent: PaymentIntent, *, client_secret: str | None = None, with_metadata: bool = True
) -> PublicPaymentIntent:
    """The public view of ``intent``; ``client_secret`` only in the create response."""
    next_action = None
    if intent.status is IntentStatus.PROCESSING and intent.next_action_expires_at is not None and intent.phone_number:
        next_action = NextAction(
            phone_number=Msisdn(intent.phone_number).masked, expires_at=intent.next_action_expires_at
        )
    error = intent.last_payment_error
    mpesa = intent.mpesa
    return PublicPaymentIntent(
        id=intent.id,
        livemode=intent.livemode,
        amount=intent.amount,
        status=intent.status,
        phone_number=intent.phone_number,
        account_reference=intent.account_reference,
        description=intent.description,
        metadata=dict(intent.metadata) if with_metadata else msgspec.UNSET,
        client_secret=client_secret,
        next_action=next_action,
        last_payment_error=(
            PublicPaymentError(code=error.code, message=error.message, mpesa_result_code=error.mpesa_result_code)
            if error
            else None
        ),
        mpesa=(
            PublicMpesa(
                checkout_request_id=mpesa.checkout_request_id,
                merchant_request_id=mpesa.merchant_request_id,
                receipt_number=mpesa.receipt_number,
                transaction_date=mpesa.transaction_date,
                phone_number=mpesa.phone_number,
            )
            if mpesa
            else None
        ),
        created=intent.created,
        updated=intent.updated,
        version=intent.version,
        canceled_at=intent.canceled_at,
        cancellation_reason=intent.cancellation_reason,
    )
