"""Domain objects to the contract's response bodies: each presenter builds the response Struct that is also the
route's OpenAPI schema (``openapi_models``; the intent is ``PublicPaymentIntent``). No body is a hand-built dict.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import CredentialsView
from micropay.domain.model.events import Event
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.public_intent import PublicPaymentIntent, public_intent
from micropay.entrypoints.http.openapi_models import (
    CredentialsObject,
    EventList,
    PaymentIntentList,
    ProviderAttemptList,
    ProviderAttemptObject,
)


def intent_body(
    intent: PaymentIntent, *, client_secret: str | None = None, with_metadata: bool = True
) -> PublicPaymentIntent:
    """The one public intent model (also an event's ``data.object``); msgspec encodes it as it is."""
    return public_intent(intent, client_secret=client_secret, with_metadata=with_metadata)


def intent_list(intents: Sequence[PaymentIntent], has_more: bool, url: str) -> PaymentIntentList:
    return PaymentIntentList(data=[intent_body(i) for i in intents], has_more=has_more, url=url)


def event_list(events: Sequence[Event], has_more: bool, url: str) -> EventList:
    return EventList(data=list(events), has_more=has_more, url=url)


def attempt_body(attempt: ProviderAttempt) -> ProviderAttemptObject:
    """A provider-log row as merchants see it: the callback token only as its hint."""
    return ProviderAttemptObject(
        id=attempt.id,
        kind=attempt.kind,
        created=attempt.created,
        request=attempt.request,
        response=attempt.response,
        http_status=attempt.http_status,
        outcome=attempt.outcome,
        checkout_request_id=attempt.checkout_request_id,
        callback_token=f"{attempt.callback_token_hint}…" if attempt.callback_token_hint else None,
    )


def attempt_list(attempts: Sequence[ProviderAttempt], has_more: bool, url: str) -> ProviderAttemptList:
    return ProviderAttemptList(data=[attempt_body(a) for a in attempts], has_more=has_more, url=url)


def credentials_body(view: CredentialsView, *, deleted: bool = False) -> CredentialsObject:
    return CredentialsObject(
        environment=view.environment,
        business_short_code=view.business_short_code,
        transaction_type=view.transaction_type,
        party_b=view.party_b,
        consumer_key_last4=view.consumer_key_last4,
        updated=view.updated,
        deleted=True if deleted else msgspec.UNSET,
    )
