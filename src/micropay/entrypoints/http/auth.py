"""Bearer-key authentication and the publishable-key rules (docs/api.md)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from micropay.domain.errors import AuthenticationFailed
from micropay.domain.model.api_keys import KeyType
from micropay.domain.use_cases.api_keys import Authenticate, Principal
from micropay.entrypoints.http.errors import permission_denied


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """Litestar dependency: the caller's principal, from ``Authorization: Bearer <key>``."""
    header = request.headers.get("authorization")
    if not header:
        raise AuthenticationFailed("You did not provide an API key: send it as 'Authorization: Bearer <key>'.")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise AuthenticationFailed("Send your API key as 'Authorization: Bearer <key>'.")
    authenticate: Authenticate = await request.state.dishka_container.get(Authenticate)
    return await authenticate(raw.strip())


def require_secret_key(principal: Principal) -> None:
    if principal.key_type is not KeyType.SECRET:
        raise permission_denied()


def client_secret_for(principal: Principal, client_secret: str | None) -> str | None:
    """Publishable keys must prove access with the intent's client secret; secret keys may add one."""
    if principal.key_type is KeyType.PUBLISHABLE and not client_secret:
        raise permission_denied()
    return client_secret
