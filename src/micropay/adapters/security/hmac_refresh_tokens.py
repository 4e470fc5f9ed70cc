"""Refresh tokens: 256 random bits, base64url; successors derived with HMAC-SHA256 under a server key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

from micropay.ports.refresh_tokens import RefreshTokenIssuer

PREFIX: Final = "mpr_"
_LABEL: Final = b"micropay refresh-token successor v1"


def _encode(raw: bytes) -> str:
    return PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class HmacRefreshTokenIssuer(RefreshTokenIssuer):
    """``successor(t)`` is ``mpr_`` + base64url(HMAC-SHA256(k, t)) with ``k`` derived from the service's
    token secret: unpredictable without the key, and the same every time, so a request replayed within the
    race window gets the pair the first one got although only hashes are stored."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, _LABEL, hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "HmacRefreshTokenIssuer(key=***)"

    def issue(self) -> str:
        return _encode(secrets.token_bytes(32))

    def successor(self, token: str) -> str:
        return _encode(hmac.new(self._key, token.encode("utf-8"), hashlib.sha256).digest())

    def hash(self, token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()
