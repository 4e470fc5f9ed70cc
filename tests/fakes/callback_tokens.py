"""The fake ``CallbackTokenIssuer``: numbered tokens with real hashes."""

from __future__ import annotations

import hashlib

from micropay.ports.callback_tokens import CallbackTokenIssuer, IssuedToken

CALLBACK_BASE_URL = "http://test/webhooks/mpesa/"


class FakeCallbackTokens:
    """Tokens ``000001cbtok…`` (32 characters; the first 6, the hint, differ per token); ``issued`` keeps them."""

    def __init__(self) -> None:
        self.issued: list[IssuedToken] = []

    def issue(self) -> IssuedToken:
        token = f"{len(self.issued) + 1:06d}" + "cbtok" + "x" * 21
        issued = IssuedToken(
            token=token, token_hash=self.hash(token), hint=token[:6], callback_url=f"{CALLBACK_BASE_URL}{token}"
        )
        self.issued.append(issued)
        return issued

    def hash(self, token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


_: CallbackTokenIssuer = FakeCallbackTokens()
