"""Request ids: one per request, on every response (``Request-Id``) and in every log line.

Also what keeps the logs honest: every control character in a logged message is escaped (a ``%0a`` in a
URL cannot forge a line), and a client that leaves before its answer is logged as 499 at INFO, not as a
framework 500 at ERROR (anyone can disconnect: that must not page an operator).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from contextvars import ContextVar
from typing import Final

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from micropay.domain.model.ids import RANDOM_SPACE, REQUEST_PREFIX, make_id
from micropay.domain.model.redaction import TOKEN_HINT_LENGTH

request_id_var: ContextVar[str | None] = ContextVar("micropay_request_id", default=None)
_HEADER: Final = b"request-id"
STATE_KEY: Final = "micropay_request_id"
access_log = logging.getLogger("micropay.access")
_WEBHOOK_PREFIX: Final = "/webhooks/mpesa/"
#: Set in the scope's state when the client disconnected before its answer went out.
CLIENT_GONE_KEY: Final = "micropay_client_gone"
#: The status logged for a client that left before its answer (nginx's convention; never sent).
CLIENT_CLOSED_REQUEST: Final = 499
# C0 and C1 controls, DEL and the Unicode line/paragraph separators: anything a log reader may take as a break.
_CONTROLS: Final = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """``text`` with each control character written as ``\\xNN`` / ``\\uNNNN``: one log line stays one line."""
    return _CONTROLS.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def loggable_path(path: str) -> str:
    """The path without secrets: a callback URL's token is cut to its hint (query strings are never logged),
    and control characters escaped (the path is percent-decoded: ``%0a`` is a real newline here)."""
    if path.startswith(_WEBHOOK_PREFIX):
        path = f"{_WEBHOOK_PREFIX}{path[len(_WEBHOOK_PREFIX) : len(_WEBHOOK_PREFIX) + TOKEN_HINT_LENGTH]}…"
    return escape_controls(path)


def new_request_id() -> str:
    return make_id(REQUEST_PREFIX, millis=time.time_ns() // 1_000_000, entropy=secrets.randbelow(RANDOM_SPACE))


def current_request_id() -> str | None:
    return request_id_var.get()


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Raw ASGI (cheap): set the id for logs, add the header to whatever response goes out, and write one
    access line per request (method, path without secrets, status, milliseconds) with the same id."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        request_id = new_request_id()
        state = scope.setdefault("state", {})
        state[STATE_KEY] = request_id
        token = request_id_var.set(request_id)
        header = request_id.encode()
        started = time.perf_counter()
        status = 500  # what the client gets if the app dies before it answers
        answered = False

        async def receive_noting_disconnect() -> ReceiveMessage:
            message = await receive()
            if message["type"] == "http.disconnect" and not answered:
                state[CLIENT_GONE_KEY] = True
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = message["status"]
                answered = True
                headers = list(message.get("headers", []))
                headers.append((_HEADER, header))
                message["headers"] = headers
            await send(message)

        try:
            await app(scope, receive_noting_disconnect, send_with_id)
        finally:
            if state.get(CLIENT_GONE_KEY):
                status = CLIENT_CLOSED_REQUEST
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d %.1fms",
                    escape_controls(scope["method"]),
                    loggable_path(scope["path"]),
                    status,
                    (time.perf_counter() - started) * 1000,
                )
            request_id_var.reset(token)

    return middleware


class EscapingFormatter(logging.Formatter):
    """Escapes control characters in the message (whatever request data it carries) before formatting.

    Tracebacks are appended by the base class after the message; they keep their own line breaks.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = escape_controls(record.message)
        return super().formatMessage(record)


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every record so formatters can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs full URLs at INFO; callback URLs carry tokens, so keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
