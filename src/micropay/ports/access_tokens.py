from __future__ import annotations

from typing import Protocol

from micropay.domain.model.sessions import AccessClaims


class AccessTokenSigner(Protocol):
    """Signs and checks access tokens (JWTs). Signing the same claims twice gives the same token."""

    def sign(self, claims: AccessClaims) -> str: ...

    def verify(self, token: str, now: float) -> AccessClaims | None:
        """The claims of a well-formed token with a valid signature that has not expired at ``now``, else None."""
        ...
