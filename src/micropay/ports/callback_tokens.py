from __future__ import annotations

from typing import Protocol

import msgspec


class IssuedToken(msgspec.Struct, frozen=True, kw_only=True):
    token: str  # goes into the CallBackURL only; never stored
    token_hash: str  # stored on the push row
    hint: str  # the first 6 characters, safe to show in the attempts log
    callback_url: str  # {MICROPAY_PUBLIC_URL}/webhooks/mpesa/{token}


class CallbackTokenIssuer(Protocol):
    """Unguessable per-attempt callback tokens (>= 128 bits): Daraja does not sign callbacks."""

    def issue(self) -> IssuedToken: ...

    def hash(self, token: str) -> str:
        """The stored form of a token (constant work per call, no secret-dependent branches)."""
        ...
