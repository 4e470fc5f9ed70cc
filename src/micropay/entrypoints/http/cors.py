"""CORS (contract §11): the publishable-key routes answer any origin; the rest only the listed origins.

The browser-facing routes (retrieve, confirm, wait and stream of one payment intent) carry the customer's
publishable key and client secret, never cookies, so ``Access-Control-Allow-Origin: *`` is safe there and
lets any merchant's checkout page call them. Every other route answers cross-origin requests only from
``MICROPAY_CORS_ORIGINS`` (e.g. a dashboard on its own origin), with credentials allowed; an origin not
listed gets no CORS header at all, so the browser keeps the response from the page.

Raw ASGI, like the request-id middleware: a preflight is answered here without entering the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from micropay.entrypoints.settings import SettingsError

#: ``/v1/payment_intents/{id}`` (retrieve) and its ``/confirm``, ``/wait`` and ``/stream``.
PUBLIC_PATH: Final = re.compile(r"^/v1/payment_intents/[^/]+(?:/(?:confirm|wait|stream))?$")
_ALLOWED_HEADERS: Final = (
    b"Authorization, Content-Type, Idempotency-Key, Last-Event-ID, x-micropay-env, x-micropay-csrf"
)
_EXPOSED_HEADERS: Final = b"Request-Id, Micropay-Wait, Idempotent-Replayed, Retry-After"
_PUBLIC_METHODS: Final = b"GET, POST"
_LISTED_METHODS: Final = b"GET, POST, PUT, DELETE"
_MAX_AGE: Final = b"600"
_ORIGIN: Final = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def parse_origins(setting: str) -> frozenset[str]:
    """The comma-separated origins of ``MICROPAY_CORS_ORIGINS``; ``SettingsError`` names one that is not an
    origin (``scheme://host[:port]``, no path)."""
    origins = [item.strip().rstrip("/") for item in setting.split(",") if item.strip()]
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise SettingsError(
                f"Invalid setting MICROPAY_CORS_ORIGINS: {origin!r} is not an origin like https://shop.example."
            )
    return frozenset(origins)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _policy(path: str, origin: bytes, listed: frozenset[str]) -> list[tuple[bytes, bytes]] | None:
    """The CORS headers for a cross-origin request to ``path`` from ``origin``, or ``None`` for none."""
    if PUBLIC_PATH.match(path):
        return [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", _EXPOSED_HEADERS)]
    if origin.decode("latin-1") in listed:
        return [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-expose-headers", _EXPOSED_HEADERS),
            (b"vary", b"Origin"),
        ]
    return None


def cors_middleware(app: ASGIApp, origins: Iterable[str] = ()) -> ASGIApp:
    listed = frozenset(origins)

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        policy = _policy(scope["path"], origin, listed) if origin is not None else None
        if policy is None:
            await app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method") is not None:
            methods = _PUBLIC_METHODS if PUBLIC_PATH.match(scope["path"]) else _LISTED_METHODS
            headers = [
                *policy,
                (b"access-control-allow-methods", methods),
                (b"access-control-allow-headers", _ALLOWED_HEADERS),
                (b"access-control-max-age", _MAX_AGE),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *policy]
            await send(message)

        await app(scope, receive, send_with_cors)

    return middleware
