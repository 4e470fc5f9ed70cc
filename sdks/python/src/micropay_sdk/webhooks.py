"""Verifying Micropay's webhooks (Standard Webhooks v1, contract §9) in the merchant's receiver.

    event = micropay_sdk.webhooks.verify(request_body_bytes, request.headers, "whsec_...")

A delivery carries ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers; the signature
is ``v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>``, one per live secret separated by
spaces (during a rotation both the old and the new secret sign). ``verify`` accepts the delivery if any
``v1`` signature matches (compared in constant time) and the timestamp is within ``tolerance`` seconds of
now, either way: an old capture replayed later is refused. Pass the body exactly as received (bytes):
re-serialised JSON does not verify. Deduplicate on ``webhook-id``: delivery is at least once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

import msgspec

from micropay_sdk.errors import WebhookVerificationError
from micropay_sdk.objects import Event

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix, not a secret
DEFAULT_TOLERANCE = 300


def verify(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    tolerance: int = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> Event:
    """The verified delivery's event; raises ``WebhookVerificationError`` for anything that does not check out."""
    payload = body.encode() if isinstance(body, str) else bytes(body)
    verify_signature(payload, headers, secret, tolerance, now=now)
    try:
        return msgspec.json.decode(payload, type=Event)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise WebhookVerificationError(f"The signed body is not a Micropay event: {exc}") from exc


def verify_signature(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    tolerance: int = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> None:
    """The signature and timestamp check alone, for any body; raises ``WebhookVerificationError``."""
    payload = body.encode() if isinstance(body, str) else bytes(body)
    found = {name.lower(): value for name, value in headers.items()}
    message_id = found.get("webhook-id")
    timestamp = found.get("webhook-timestamp")
    signatures = found.get("webhook-signature")
    if not (message_id and timestamp and signatures):
        raise WebhookVerificationError("Missing webhook-id, webhook-timestamp or webhook-signature header")
    sent_at = _timestamp(timestamp)
    current = time.time() if now is None else now
    if sent_at < current - tolerance:
        raise WebhookVerificationError("The webhook timestamp is too old (outside the tolerance)")
    if sent_at > current + tolerance:
        raise WebhookVerificationError("The webhook timestamp is in the future (outside the tolerance)")
    expected = sign(payload, message_id, sent_at, secret)
    matched = False
    for candidate in signatures.split():
        version, _, signature = candidate.partition(",")
        # Compare every candidate (no early exit), each in constant time.
        if version == "v1" and hmac.compare_digest(signature.encode(), expected.encode()):
            matched = True
    if not matched:
        raise WebhookVerificationError("No webhook-signature matches the secret")


def sign(body: bytes, message_id: str, timestamp: int, secret: str) -> str:
    """The base64 ``v1`` signature of a delivery (what the server puts after ``v1,``)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def secret_bytes(secret: str) -> bytes:
    """The key inside ``whsec_<base64>``."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError("The webhook secret is not whsec_ followed by base64") from exc
    if not key:
        raise WebhookVerificationError("The webhook secret is empty")
    return key


def _timestamp(value: str) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdigit()):
        raise WebhookVerificationError("The webhook-timestamp header is not a Unix time in seconds")
    return int(value)
