from __future__ import annotations

from typing import Any, Protocol

import msgspec

from micropay.domain.model.redaction import redacted_fields, redacted_repr


class IssuedToken(msgspec.Struct, frozen=True, kw_only=True):
    token: str  # goes into the CallBackURL only; never stored
    token_hash: str  # stored on the push row
    hint: str  # the first 6 characters, safe to show in the attempts log
    callback_url: str  # {MICROPAY_PUBLIC_URL}/webhooks/mpesa/{token}

    def __repr__(self) -> str:
        return redacted_repr(self, ("token", "callback_url"))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("token", "callback_url"))


class CallbackTokenIssuer(Protocol):
    """Unguessable per-attempt callback tokens (>= 128 bits): Daraja does not sign callbacks."""

    def issue(self) -> IssuedToken: ...

    def hash(self, token: str) -> str:
        """The stored form of a token (constant work per call, no secret-dependent branches)."""
        ...
