"""The Standard Webhooks (v1) signing scheme, small and pure (contract §9).

``webhook-signature`` is ``v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`` per live secret,
space-separated; the secret is the 32 bytes behind ``whsec_<base64>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

from micropay.domain.model.webhooks import SECRET_PREFIX, SigningSecret

USER_AGENT: Final = "Micropay-Webhooks/1"


def encode_secret(key: bytes) -> str:
    """``whsec_`` + base64 of the raw key: what the merchant is shown once."""
    return SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(secrets: tuple[SigningSecret, ...], message_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret live at ``timestamp`` (during a rotation's overlap, old and new)."""
    live = [s for s in secrets if s.live_at(timestamp)]
    if not live:
        raise ValueError("no live signing secret")
    return " ".join(signature(s.key, message_id, timestamp, body) for s in live)


def headers(secrets: tuple[SigningSecret, ...], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, message_id, timestamp, body),
    }
