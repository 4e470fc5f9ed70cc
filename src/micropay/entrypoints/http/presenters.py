"""Domain objects to the contract's JSON shapes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import CredentialsView
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.public_intent import PublicPaymentIntent, public_intent


def intent_body(
    intent: PaymentIntent, *, client_secret: str | None = None, with_metadata: bool = True
) -> PublicPaymentIntent:
    """The one public intent model (also an event's ``data.object``); msgspec encodes it as it is."""
    return public_intent(intent, client_secret=client_secret, with_metadata=with_metadata)


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


def list_json(data: Sequence[object], has_more: bool, url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}
