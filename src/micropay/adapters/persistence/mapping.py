"""Explicit row <-> domain mapping, one ``*_to_domain``/``*_from_domain`` pair per table.

Rows are read as SQLAlchemy ``RowMapping``s and written as plain column dicts (the Core statements in the
repositories take them as they are).
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import RowMapping

from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import CredentialsView, TransactionType
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.events import Event, EventData, EventRequest, EventType
from micropay.domain.model.idempotency import IdempotencyRecord, StoredResponse
from micropay.domain.model.intent import IntentStatus, MpesaDetails, PaymentError, PaymentIntent
from micropay.domain.model.merchant import Merchant
from micropay.domain.model.provider import AttemptKind, AttemptOutcome
from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.credential_vault import Sealed

Row = RowMapping


def intent_to_domain(row: Row) -> PaymentIntent:
    error = row["last_payment_error"]
    mpesa = (
        MpesaDetails(
            phone_number=row["mpesa_phone_number"],
            checkout_request_id=row["provider_ref"],
            merchant_request_id=row["mpesa_merchant_request_id"],
            receipt_number=row["mpesa_receipt_number"],
            transaction_date=row["mpesa_transaction_date"],
        )
        if row["mpesa_phone_number"] is not None
        else None
    )
    return PaymentIntent(
        id=row["id"],
        merchant_id=row["merchant_id"],
        environment=Environment(row["environment"]),
        amount=row["amount"],
        currency=row["currency"],
        status=IntentStatus(row["status"]),
        phone_number=row["phone_number"],
        account_reference=row["account_reference"],
        description=row["description"],
        metadata=dict(row["metadata"]),
        secret_hash=row["secret_hash"],
        created=row["created"],
        updated=row["updated"],
        version=row["version"],
        attempt_id=row["attempt_id"],
        attempt_count=row["attempt_count"],
        next_action_expires_at=row["next_action_expires_at"],
        last_payment_error=PaymentError(
            code=error["code"], message=error["message"], mpesa_result_code=error.get("mpesa_result_code")
        )
        if error is not None
        else None,
        mpesa=mpesa,
        canceled_at=row["canceled_at"],
        cancellation_reason=row["cancellation_reason"],
    )


def intent_from_domain(intent: PaymentIntent) -> dict[str, Any]:
    error = intent.last_payment_error
    mpesa = intent.mpesa
    return {
        "id": intent.id,
        "merchant_id": intent.merchant_id,
        "environment": intent.environment.value,
        "amount": intent.amount,
        "currency": intent.currency,
        "status": intent.status.value,
        "phone_number": intent.phone_number,
        "account_reference": intent.account_reference,
        "description": intent.description,
        "metadata": dict(intent.metadata),
        "secret_hash": intent.secret_hash,
        "created": intent.created,
        "updated": intent.updated,
        "version": intent.version,
        "attempt_id": intent.attempt_id,
        "attempt_count": intent.attempt_count,
        "next_action_expires_at": intent.next_action_expires_at,
        "last_payment_error": {
            "code": error.code,
            "message": error.message,
            "mpesa_result_code": error.mpesa_result_code,
        }
        if error is not None
        else None,
        "mpesa_phone_number": mpesa.phone_number if mpesa else None,
        "provider_ref": mpesa.checkout_request_id if mpesa else None,
        "mpesa_merchant_request_id": mpesa.merchant_request_id if mpesa else None,
        "mpesa_receipt_number": mpesa.receipt_number if mpesa else None,
        "mpesa_transaction_date": mpesa.transaction_date if mpesa else None,
        "canceled_at": intent.canceled_at,
        "cancellation_reason": intent.cancellation_reason,
    }


def attempt_to_domain(row: Row) -> ProviderAttempt:
    outcome = row["outcome"]
    return ProviderAttempt(
        id=row["id"],
        intent_id=row["intent_id"],
        merchant_id=row["merchant_id"],
        environment=Environment(row["environment"]),
        kind=AttemptKind(row["kind"]),
        push_id=row["push_id"],
        created=row["created"],
        outcome=AttemptOutcome(outcome) if outcome is not None else None,
        request=row["request"],
        response=row["response"],
        http_status=row["http_status"],
        checkout_request_id=row["checkout_request_id"],
        callback_token_hash=row["callback_token_hash"],
        callback_token_hint=row["callback_token_hint"],
        updated=row["updated"],
    )


def attempt_from_domain(attempt: ProviderAttempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "intent_id": attempt.intent_id,
        "merchant_id": attempt.merchant_id,
        "environment": attempt.environment.value,
        "kind": attempt.kind.value,
        "push_id": attempt.push_id,
        "created": attempt.created,
        "outcome": attempt.outcome.value if attempt.outcome is not None else None,
        "request": attempt.request,
        "response": attempt.response,
        "http_status": attempt.http_status,
        "checkout_request_id": attempt.checkout_request_id,
        "callback_token_hash": attempt.callback_token_hash,
        "callback_token_hint": attempt.callback_token_hint,
        "updated": attempt.updated,
    }


def credentials_to_domain(row: Row) -> StoredCredentials:
    return StoredCredentials(
        sealed=Sealed(encrypted_blob=row["encrypted_blob"], iv=row["iv"], key_id=row["key_id"]),
        view=CredentialsView(
            environment=Environment(row["environment"]),
            business_short_code=row["business_short_code"],
            transaction_type=TransactionType(row["transaction_type"]),
            party_b=row["party_b"],
            consumer_key_last4=row["consumer_key_last4"],
            updated=row["updated"],
        ),
    )


def credentials_from_domain(merchant_id: str, environment: Environment, stored: StoredCredentials) -> dict[str, Any]:
    """The tenant comes from the unit of work, never from the stored view."""
    view = stored.view
    return {
        "merchant_id": merchant_id,
        "environment": environment.value,
        "encrypted_blob": stored.sealed.encrypted_blob,
        "iv": stored.sealed.iv,
        "key_id": stored.sealed.key_id,
        "business_short_code": view.business_short_code,
        "transaction_type": view.transaction_type.value,
        "party_b": view.party_b,
        "consumer_key_last4": view.consumer_key_last4,
        "updated": view.updated,
    }


def api_key_to_domain(row: Row) -> ApiKey:
    return ApiKey(
        id=row["id"],
        merchant_id=row["merchant_id"],
        environment=Environment(row["environment"]),
        type=KeyType(row["type"]),
        key_hash=row["key_hash"],
        display_prefix=row["display_prefix"],
        created=row["created"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


def api_key_from_domain(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "merchant_id": key.merchant_id,
        "environment": key.environment.value,
        "type": key.type.value,
        "key_hash": key.key_hash,
        "display_prefix": key.display_prefix,
        "created": key.created,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
    }


def merchant_to_domain(row: Row) -> Merchant:
    return Merchant(id=row["id"], name=row["name"], email=row["email"], created=row["created"])


def merchant_from_domain(merchant: Merchant) -> dict[str, Any]:
    return {"id": merchant.id, "name": merchant.name, "email": merchant.email, "created": merchant.created}


def idempotency_to_domain(row: Row) -> IdempotencyRecord:
    status = row["response_status"]
    response = (
        StoredResponse(
            status=status, body=bytes(row["response_body"] or b""), content_type=row["response_content_type"]
        )
        if status is not None
        else None
    )
    return IdempotencyRecord(
        key=row["key"], fingerprint=row["fingerprint"], created_at=row["created_at"], response=response
    )


def event_to_domain(row: Row) -> Event:
    request = row["request"]
    return Event(
        id=row["id"],
        type=EventType(row["type"]),
        created=row["created"],
        livemode=Environment(row["environment"]).livemode,
        api_version=row["api_version"],
        data=msgspec.convert(row["data"], EventData),
        request=msgspec.convert(request, EventRequest) if request is not None else None,
        pending_webhooks=row["pending_webhooks"],
    )


def event_from_domain(tenant: Tenant, event: Event) -> dict[str, Any]:
    """The tenant comes from the unit of work; ``seq`` from the database."""
    return {
        "id": event.id,
        "merchant_id": tenant.merchant_id,
        "environment": tenant.environment.value,
        "intent_id": event.intent_id,
        "type": event.type.value,
        "created": event.created,
        "api_version": event.api_version,
        "data": msgspec.to_builtins(event.data),
        "request": msgspec.to_builtins(event.request) if event.request is not None else None,
        "pending_webhooks": event.pending_webhooks,
    }
