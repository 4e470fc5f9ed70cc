"""Who opens an intent stream: ``Authorization`` as everywhere, or, for browsers' EventSource (which cannot
send headers), the publishable key in the ``key`` query parameter (contract §11)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from micropay.domain.errors import InvalidParameter
from micropay.domain.use_cases.api_keys import Authenticate, Principal
from micropay.entrypoints.http.auth import provide_principal

PUBLISHABLE_PREFIXES = ("pk_test_", "pk_live_")


async def provide_stream_principal(request: Request[Any, Any, Any]) -> Principal:
    """A ``key`` in the URL may only be a publishable key: a secret key there would end up in browser
    history and proxy logs, so it is refused (400) rather than used."""
    key = request.query_params.get("key")
    if request.headers.get("authorization") or key is None:
        return await provide_principal(request)
    if not key.startswith(PUBLISHABLE_PREFIXES):
        raise InvalidParameter(
            "key", "Only a publishable key may be sent in the URL; send secret keys in the Authorization header."
        )
    authenticate: Authenticate = await request.state.dishka_container.get(Authenticate)
    return await authenticate(key)
