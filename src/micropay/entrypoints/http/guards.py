"""Authenticate and authorize before the body is read: Litestar runs guards before it parses parameters.

So a publishable key on a secret-only route is 403 whatever its body says, and a missing key is 401 before
any 400. The principal a guard resolved is kept on the request and reused by the ``principal`` dependency
(one key lookup per request).
"""

from __future__ import annotations

from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from micropay.domain.use_cases.api_keys import Principal
from micropay.entrypoints.http.auth import provide_principal, require_secret_key

_STATE_KEY: Final = "micropay_principal"


async def request_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller's principal, resolved once per request (the ``principal`` dependency; Litestar injects the
    connection by the parameter name ``request``)."""
    cached = request.state.get(_STATE_KEY)
    if isinstance(cached, Principal):
        return cached
    principal = await provide_principal(request)  # type: ignore[arg-type]  # reads headers and state only
    request.state[_STATE_KEY] = principal
    return principal


async def authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Any valid key (the publishable-key routes: retrieve and confirm)."""
    await request_principal(connection)


async def secret_key_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A valid secret key; a publishable key is 403 ``permission_error``."""
    require_secret_key(await request_principal(connection))


SECRET: Final = [secret_key_only]
ANY_KEY: Final = [authenticated]
