"""The browser-facing pages' security headers (contract §12), added to every response under their paths.

A raw ASGI wrapper rather than per-handler headers so nothing escapes it: the dashboard's files, its
history-API fallback, a 404 for a missing asset, an error page, the API reference and its assets all get
the same headers. The JSON API under ``/v1`` is not a page and is left alone.
"""

from __future__ import annotations

from typing import Final

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

#: §12, word for word: the dashboard loads nothing but its own files and talks only to its own origin.
DASHBOARD_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
#: The API reference (Swagger UI, served from the package) needs the same, plus inline style attributes:
#: its React components and SVG icons set ``style=`` on elements. Scripts stay 'self' only.
API_REFERENCE_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_COMMON: Final = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def policy_for(path: str) -> bytes | None:
    """The CSP for a path, or None when the path is not a browser page of ours."""
    if path == "/dashboard" or path.startswith("/dashboard/"):
        return DASHBOARD_CSP.encode()
    if path == "/schema" or (path.startswith("/schema/") and path != "/schema/openapi.json"):
        return API_REFERENCE_CSP.encode()
    return None


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        policy = policy_for(scope["path"]) if scope["type"] == ScopeType.HTTP else None
        if policy is None:
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                replaced = {b"content-security-policy", *(name for name, _ in _COMMON)}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in replaced]
                headers.append((b"content-security-policy", policy))
                headers.extend(_COMMON)
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
