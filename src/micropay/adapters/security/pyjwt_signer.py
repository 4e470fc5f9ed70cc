"""Access tokens as HS256 JWTs (pyjwt). Expiry is checked against the service's clock, not pyjwt's."""

from __future__ import annotations

from typing import Final

import jwt
import msgspec

from micropay.domain.model.sessions import AccessClaims
from micropay.ports.access_tokens import AccessTokenSigner

ALGORITHM: Final = "HS256"
_REQUIRED: Final = ["jti", "sub", "sid", "mer", "role", "iat", "exp"]
#: A JWT is three base64url parts; anything much longer than ours is not one of ours.
MAX_TOKEN_LENGTH: Final = 2048


class PyJwtAccessTokenSigner(AccessTokenSigner):
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the access-token secret must have at least 32 bytes")
        self._secret = secret

    def __repr__(self) -> str:
        return "PyJwtAccessTokenSigner(secret=***)"

    def sign(self, claims: AccessClaims) -> str:
        return jwt.encode(msgspec.to_builtins(claims), self._secret, algorithm=ALGORITHM)

    def verify(self, token: str, now: float) -> AccessClaims | None:
        if len(token) > MAX_TOKEN_LENGTH:
            return None
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
            claims = msgspec.convert(payload, AccessClaims)
        except (jwt.PyJWTError, msgspec.ValidationError, TypeError, ValueError):
            return None
        return claims if claims.iat <= now + 60 and now < claims.exp else None
