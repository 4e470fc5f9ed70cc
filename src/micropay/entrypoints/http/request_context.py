"""Request ids: one per request, on every response (``Request-Id``) and in every log line."""

from __future__ import annotations

import logging
import secrets
import time
from contextvars import ContextVar
from typing import Final

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from micropay.domain.model.ids import RANDOM_SPACE, REQUEST_PREFIX, make_id
from micropay.domain.model.redaction import TOKEN_HINT_LENGTH

request_id_var: ContextVar[str | None] = ContextVar("micropay_request_id", default=None)
_HEADER: Final = b"request-id"
STATE_KEY: Final = "micropay_request_id"
access_log = logging.getLogger("micropay.access")
_WEBHOOK_PREFIX: Final = "/webhooks/mpesa/"


def loggable_path(path: str) -> str:
    """The path without secrets: a callback URL's token is cut to its hint (query strings are never logged)."""
    if path.startswith(_WEBHOOK_PREFIX):
        return f"{_WEBHOOK_PREFIX}{path[len(_WEBHOOK_PREFIX) : len(_WEBHOOK_PREFIX) + TOKEN_HINT_LENGTH]}…"
    return path


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
        scope.setdefault("state", {})[STATE_KEY] = request_id
        token = request_id_var.set(request_id)
        header = request_id.encode()
        started = time.perf_counter()
        status = 500  # what the client gets if the app dies before it answers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((_HEADER, header))
                message["headers"] = headers
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d %.1fms",
                    scope["method"],
                    loggable_path(scope["path"]),
                    status,
                    (time.perf_counter() - started) * 1000,
                )
            request_id_var.reset(token)

    return middleware


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every record so formatters can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs full URLs at INFO; callback URLs carry tokens, so keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
