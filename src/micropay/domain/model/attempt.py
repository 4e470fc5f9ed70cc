"""One exchange with Daraja about an intent: an STK push, a callback or a query (``provider_attempt``)."""

from __future__ import annotations

from typing import Any

import msgspec

from micropay.domain.model.environment import Environment
from micropay.domain.model.provider import AttemptKind, AttemptOutcome


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
