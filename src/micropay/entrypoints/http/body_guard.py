"""The door every request body passes first: bytes that cannot be JSON text are refused before any route.

Why here and not in each route: the decoders behind the routes (Litestar's, the callback route's, the
idempotency fingerprint) raise ``UnicodeDecodeError`` for invalid UTF-8 inside a string and
``RecursionError`` for deep nesting, neither of which is a decode error they expect, so such bytes became
500s with tracebacks, before authentication and on the keyless callback path. One raw ASGI guard makes
every route safe, including routes written later:

- a body larger than ``max_bytes`` (by ``Content-Length`` or as it streams in) is 413, never buffered;
- a body that is not valid UTF-8 (RFC 8259 §8.1), or nests arrays/objects deeper than ``max_depth``, is
  400 ``json_invalid`` in the contract's error shape (with the Request-Id);
- anything else is passed on unchanged (replayed to the app as one message): ordinary syntax errors and
  shape errors stay with the routes, which answer them after authentication as before.
"""

from __future__ import annotations

import re
from typing import Final

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

from micropay.entrypoints.http.errors import INVALID_REQUEST, error_body

#: Our bodies nest 3 deep (metadata), Daraja's callbacks 6; 64 leaves room and stays far from any
#: recursion limit of the decoders and encoders behind the routes.
DEFAULT_MAX_DEPTH: Final = 64
DEFAULT_MAX_BYTES: Final = 1024 * 1024

# A JSON string (skipped whole, escapes included) or one bracket: enough to measure nesting in C speed.
_TOKENS: Final = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENERS: Final = frozenset(b"[{")


def nesting_exceeds(body: bytes, max_depth: int) -> bool:
    """True when arrays/objects nest deeper than ``max_depth`` (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False  # cannot nest deeper than it has openers: the common case costs two counts
    depth = 0
    for match in _TOKENS.finditer(body):
        token = match.group()
        if len(token) != 1:
            continue  # a string
        if token[0] in _OPENERS:
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def json_body_guard(app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> ASGIApp:
    """Wrap ``app``; see the module docstring for what is refused and why."""

    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > max_bytes:
            await _refuse(send, 413, "request_too_large", f"The request body must be at most {max_bytes} bytes.")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: let the app see it as it would
                await app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await _refuse(send, 413, "request_too_large", f"The request body must be at most {max_bytes} bytes.")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and not _is_utf8(body):
            await _refuse(send, 400, "json_invalid", "The request body is not valid JSON: it is not valid UTF-8.")
            return
        if body and nesting_exceeds(body, max_depth):
            await _refuse(
                send, 400, "json_invalid", f"The request body is not valid JSON here: it nests deeper than {max_depth}."
            )
            return
        whole: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
        await app(scope, _replay([whole], receive), send)

    return guard


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    """The buffered messages first, then the real ``receive`` (which reports the disconnect)."""
    pending = list(messages)

    async def replayed() -> ReceiveMessage:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = error_body(INVALID_REQUEST, code, message, None)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # the rest of an oversized body is not read: the connection cannot be reused
                *([(b"connection", b"close")] if status == 413 else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
