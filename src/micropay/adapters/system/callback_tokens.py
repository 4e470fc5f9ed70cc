from __future__ import annotations

import hashlib
import secrets
from typing import Final

from micropay.domain.model.ids import BASE62
from micropay.domain.model.redaction import TOKEN_HINT_LENGTH
from micropay.ports.callback_tokens import CallbackTokenIssuer, IssuedToken

TOKEN_LENGTH: Final = 32  # 32 base62 characters: 32 * log2(62) ≈ 190 bits
HINT_LENGTH: Final = TOKEN_HINT_LENGTH


class Sha256CallbackTokenIssuer(CallbackTokenIssuer):
    """Random callback tokens; only their SHA-256 is stored, so a database leak reveals no live token.

    A plain (unsalted) hash is enough: the tokens are 190-bit random values, not guessable passwords.
    """

    def __init__(self, public_url: str) -> None:
        if not public_url.startswith(("http://", "https://")):
            raise ValueError("public_url must be an http:// or https:// URL")
        self._base = public_url.rstrip("/")

    def issue(self) -> IssuedToken:
        token = "".join(secrets.choice(BASE62) for _ in range(TOKEN_LENGTH))
        return IssuedToken(
            token=token,
            token_hash=self.hash(token),
            hint=token[:HINT_LENGTH],
            callback_url=f"{self._base}/webhooks/mpesa/{token}",
        )

    def hash(self, token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def __repr__(self) -> str:
        return f"Sha256CallbackTokenIssuer(public_url={self._base!r})"
