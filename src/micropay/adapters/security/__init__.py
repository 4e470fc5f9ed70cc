"""Password hashing (Argon2id), access tokens (HS256 JWTs) and refresh tokens."""

from micropay.adapters.security.argon2_hasher import Argon2PasswordHasher
from micropay.adapters.security.hmac_refresh_tokens import HmacRefreshTokenIssuer
from micropay.adapters.security.jwt_secret import JwtSecretMissing, load_jwt_secret
from micropay.adapters.security.pyjwt_signer import PyJwtAccessTokenSigner

__all__ = [
    "Argon2PasswordHasher",
    "HmacRefreshTokenIssuer",
    "JwtSecretMissing",
    "PyJwtAccessTokenSigner",
    "load_jwt_secret",
]
