"""Domain objects to the contract's JSON shapes."""

from __future__ import annotations

from typing import Any

from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import CredentialsView
from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.domain.model.msisdn import Msisdn


def intent_json(
    intent: PaymentIntent, *, client_secret: str | None = None, with_metadata: bool = True
) -> dict[str, Any]:
    next_action = None
    if intent.status is IntentStatus.PROCESSING and intent.next_action_expires_at is not None and intent.phone_number:
        next_action = {
            "type": "mpesa_stk_prompt",
            "phone_number": Msisdn(intent.phone_number).masked,
            "expires_at": intent.next_action_expires_at,
        }
    error = intent.last_payment_error
    mpesa = intent.mpesa
    body: dict[str, Any] = {
        "id": intent.id,
        "object": "payment_intent",
        "livemode": intent.livemode,
        "amount": intent.amount,
        "currency": intent.currency,
        "status": intent.status.value,
        "phone_number": intent.phone_number,
        "account_reference": intent.account_reference,
        "description": intent.description,
        "metadata": intent.metadata,
        "client_secret": client_secret,
        "next_action": next_action,
        "last_payment_error": (
            {"code": error.code, "message": error.message, "mpesa_result_code": error.mpesa_result_code}
            if error
            else None
        ),
        "mpesa": (
            {
                "checkout_request_id": mpesa.checkout_request_id,
                "merchant_request_id": mpesa.merchant_request_id,
                "receipt_number": mpesa.receipt_number,
                "transaction_date": mpesa.transaction_date,
                "phone_number": mpesa.phone_number,
            }
            if mpesa
            else None
        ),
        "created": intent.created,
        "updated": intent.updated,
        "version": intent.version,
        "canceled_at": intent.canceled_at,
        "cancellation_reason": intent.cancellation_reason,
    }
    if not with_metadata:
        del body["metadata"]
    return body


def attempt_json(attempt: ProviderAttempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "object": "provider_attempt",
        "kind": attempt.kind.value,
        "created": attempt.created,
        "request": attempt.request,
        "response": attempt.response,
        "http_status": attempt.http_status,
        "outcome": attempt.outcome.value if attempt.outcome else None,
        "checkout_request_id": attempt.checkout_request_id,
        "callback_token": f"{attempt.callback_token_hint}…" if attempt.callback_token_hint else None,
    }


def credentials_json(view: CredentialsView, *, deleted: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "object": "mpesa_credentials",
        "environment": view.environment.value,
        "business_short_code": view.business_short_code,
        "transaction_type": view.transaction_type.value,
        "party_b": view.party_b,
        "consumer_key_last4": view.consumer_key_last4,
        "updated": view.updated,
    }
    if deleted:
        body["deleted"] = True
    return body


def list_json(data: list[dict[str, Any]], has_more: bool, url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}
