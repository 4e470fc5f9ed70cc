"""Idempotency-Key rules (Stripe's semantics), independent of where records are stored.

Same key and same request within 24 hours: replay the first response. Same key, different request: 422.
Same key while the first request is still running: 409. An in-flight record whose owner vanished (a crashed
process) may be taken over once it is older than ``IN_FLIGHT_LEASE_SECONDS``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec

from micropay.domain.errors import InvalidParameter

KEY_MAX_LENGTH: Final = 255
RETENTION_SECONDS: Final = 24 * 3600
IN_FLIGHT_LEASE_SECONDS: Final = 120
#: Answers that mean "nothing was done, try again" (a conflict, Daraja or the database unavailable, Daraja
#: refusing the setup): they are not kept, so a retry with the same key does the work once it can.
NOTHING_DONE_STATUSES: Final = frozenset({409, 500, 502, 503})


class Decision(StrEnum):
    PROCEED = "proceed"  # run the request and store its response
    REPLAY = "replay"  # send the stored response again
    MISMATCH = "mismatch"  # 422 idempotency_key_reused
    IN_FLIGHT = "in_flight"  # 409 idempotency_key_in_use


class StoredResponse(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    body: bytes
    content_type: str = "application/json"


class IdempotencyRecord(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    fingerprint: str
    created_at: float
    response: StoredResponse | None = None  # None while the first request is running


class IdempotencyClaim(msgspec.Struct, frozen=True, kw_only=True):
    """The request's hold on its key: the key and the claim's ``created_at`` (the holder's token).

    Use cases that create or push bind the key to what they did (``IdempotencyBindings.bind``) in the same
    transaction as their first write, so that a retry after a crash finds it instead of doing it again.
    """

    key: str
    claimed_at: float


class IdempotencyBinding(msgspec.Struct, frozen=True, kw_only=True):
    """What a key's request created or started: the object's id, and (for a create) its client secret
    sealed by the vault, since the retry must answer the same secret the lost answer carried."""

    object_id: str
    sealed_secret: bytes | None = None


def is_kept(status: int, *, something_was_done: bool = False) -> bool:
    """Whether an answer is stored for replay: all but "nothing was done", unless the caller knows better."""
    return something_was_done or status not in NOTHING_DONE_STATUSES


def validate_key(raw: str) -> str:
    if not 1 <= len(raw) <= KEY_MAX_LENGTH:
        raise InvalidParameter("Idempotency-Key", f"Idempotency-Key must be 1 to {KEY_MAX_LENGTH} characters.")
    if not raw.isprintable() or not raw.isascii():
        raise InvalidParameter("Idempotency-Key", "Idempotency-Key must be printable ASCII.")
    return raw


def is_expired(record: IdempotencyRecord, now: float) -> bool:
    return now - record.created_at >= RETENTION_SECONDS


def decide(existing: IdempotencyRecord | None, fingerprint: str, now: float) -> Decision:
    """What to do with a request that carries a key, given the record already stored for that key."""
    if existing is None or is_expired(existing, now):
        return Decision.PROCEED
    if existing.fingerprint != fingerprint:
        return Decision.MISMATCH
    if existing.response is not None:
        return Decision.REPLAY
    if now - existing.created_at >= IN_FLIGHT_LEASE_SECONDS:
        return Decision.PROCEED
    return Decision.IN_FLIGHT


def keeps_binding(existing: IdempotencyRecord, now: float) -> bool:
    """A claim taken over past its lease keeps what the first request bound; an expired key starts afresh."""
    return not is_expired(existing, now)


def associated_data(merchant_id: str, environment: str, key: str) -> bytes:
    """Binds a stored response, sealed by the vault, to its tenant and key.

    Stored responses can hold secrets shown once (a create's ``client_secret``, a rolled API key), so they
    are kept sealed, never in plaintext, and a sealed body moved to another key or tenant does not open.
    """
    return f"idempotency:{merchant_id}:{environment}:{key}".encode()


def secret_associated_data(merchant_id: str, environment: str, key: str) -> bytes:
    """Binds a create's sealed client secret to its tenant and key (apart from the stored response)."""
    return associated_data(merchant_id, environment, key) + b":client_secret"
