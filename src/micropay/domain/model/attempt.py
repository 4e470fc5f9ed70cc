"""One exchange with Daraja about an intent: an STK push, a callback or a query (``provider_attempt``)."""

from __future__ import annotations

from typing import Any

import msgspec

from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.provider import AttemptKind, AttemptOutcome, Exchange


class ProviderAttempt(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the provider log.

    ``push_id`` names the STK push the row belongs to: a push row is its own push; callbacks and queries
    point at the push they are about. Only push rows carry ``callback_token_hash`` and the redacted
    ``callback_token_hint`` (the token's first 6 characters). ``request``/``response`` are the JSON exchanged
    with Daraja, already redacted (no Password, no access token, no full callback token).
    """

    id: str
    intent_id: str
    merchant_id: str
    environment: Environment
    kind: AttemptKind
    push_id: str
    created: int
    outcome: AttemptOutcome | None = None
    request: Any = None
    response: Any = None
    http_status: int | None = None
    checkout_request_id: str | None = None
    callback_token_hash: str | None = None
    callback_token_hint: str | None = None
    updated: int | None = None

    @classmethod
    def push(
        cls,
        *,
        attempt_id: str,
        intent_id: str,
        tenant: Tenant,
        token_hash: str,
        token_hint: str,
        now: int,
    ) -> ProviderAttempt:
        """An STK push row, written with the claim, before the push is sent (its exchange comes later)."""
        return cls(
            id=attempt_id,
            intent_id=intent_id,
            merchant_id=tenant.merchant_id,
            environment=tenant.environment,
            kind=AttemptKind.STK_PUSH,
            push_id=attempt_id,
            created=now,
            callback_token_hash=token_hash,
            callback_token_hint=token_hint,
        )

    @classmethod
    def callback(
        cls, *, attempt_id: str, intent_id: str, tenant: Tenant, push_id: str, body: Any, now: int
    ) -> ProviderAttempt:
        """A callback row, stored raw before it is parsed (its outcome comes later)."""
        return cls(
            id=attempt_id,
            intent_id=intent_id,
            merchant_id=tenant.merchant_id,
            environment=tenant.environment,
            kind=AttemptKind.CALLBACK,
            push_id=push_id,
            created=now,
            request=body,
        )

    @classmethod
    def query(
        cls,
        *,
        attempt_id: str,
        intent_id: str,
        tenant: Tenant,
        push_id: str,
        checkout_request_id: str | None,
        outcome: AttemptOutcome,
        exchange: Exchange | None,
        now: int,
    ) -> ProviderAttempt:
        """An STK Push Query row, complete: it names the push that was queried (``exchange``: None if none)."""
        exchange = exchange or Exchange()
        return cls(
            id=attempt_id,
            intent_id=intent_id,
            merchant_id=tenant.merchant_id,
            environment=tenant.environment,
            kind=AttemptKind.STK_QUERY,
            push_id=push_id,
            created=now,
            outcome=outcome,
            request=exchange.request,
            response=exchange.response,
            http_status=exchange.http_status,
            checkout_request_id=checkout_request_id,
            updated=now,
        )

    def with_exchange(
        self,
        outcome: AttemptOutcome,
        exchange: Exchange | None = None,
        *,
        checkout_request_id: str | None = None,
        now: int,
    ) -> ProviderAttempt:
        """This row with its outcome and what was exchanged (a missing part keeps what the row already has).

        A push row gets its verdict's exchange; a callback row (its raw body already stored) only its outcome.
        """
        exchange = exchange or Exchange()
        return msgspec.structs.replace(
            self,
            outcome=outcome,
            request=exchange.request if exchange.request is not None else self.request,
            response=exchange.response if exchange.response is not None else self.response,
            http_status=exchange.http_status if exchange.http_status is not None else self.http_status,
            checkout_request_id=checkout_request_id or self.checkout_request_id,
            updated=now,
        )
