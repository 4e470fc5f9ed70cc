"""The HTTP server ``micropay serve`` (and so ``make run``) runs: uvicorn with limits of its own (ADR 0013).

The callback route faces the internet, so the service must be safe without a proxy in front. Stock
uvicorn (httptools) caps nothing: a 1 MB header and 2,000 headers were served, a client that sends its
head or body slowly holds its connection (and the bytes it sent) for ever, and ten unfinished 20 MB heads
took the RSS from 121 to 348 MB. uvicorn's own knobs do not close that: ``h11_max_incomplete_event_size``
only applies to the slower h11 parser (and answers 400), ``timeout_keep_alive`` only runs between
requests, and ``limit_concurrency`` answers 503 only once a head has been read. So ``LimitedHttpToolsProtocol``
keeps uvicorn's httptools protocol and adds, per connection:

- the head (request line and headers) is at most ``max_header_bytes`` and ``max_headers`` headers, else
  431 and the connection is closed; what a client has sent is never buffered past the cap (plus one read);
- the whole head must arrive within ``header_timeout`` seconds of the connection (or of the previous
  request's end), the whole body within ``body_timeout`` seconds of its head, else 408 and close;
- at most ``max_connections`` connections per worker: one more is answered 503 and closed at once.

Memory is then bounded: about ``max_connections`` x (``max_header_bytes`` + one 256 KB read) per worker
for heads, and the body guard (``body_guard``) caps what one request may buffer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import httptools
import msgspec
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from micropay.entrypoints.settings import Settings

log = logging.getLogger(__name__)

LIMITS_ATTRIBUTE: Final = "micropay_http_limits"


class HttpLimits(msgspec.Struct, frozen=True, kw_only=True):
    max_header_bytes: int = 16 * 1024
    max_headers: int = 100
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000

    @classmethod
    def of(cls, settings: Settings) -> HttpLimits:
        return cls(
            max_header_bytes=settings.http_max_header_bytes,
            max_headers=settings.http_max_headers,
            header_timeout=settings.http_header_timeout,
            body_timeout=settings.http_body_timeout,
            max_connections=settings.http_max_connections,
        )


class _HeadTooLarge(Exception):
    """Raised from a parser callback; httptools wraps it (``__context__``) in an ``HttpParserCallbackError``."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with head size/count caps, head and body deadlines and a connection cap."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        limits = getattr(config, LIMITS_ATTRIBUTE, None)
        self._limits: HttpLimits = limits if isinstance(limits, HttpLimits) else HttpLimits()
        self._awaiting_head = True
        self._head_bytes = 0  # as received (a head still incomplete)
        self._head_size = 0  # as parsed (a head complete within one read)
        self._header_count = 0
        self._deadline: asyncio.TimerHandle | None = None

    # connection -------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        if len(self.connections) > self._limits.max_connections:
            log.debug("connection refused: %d connections open", len(self.connections))
            self._answer_and_close(503, "Too many connections.")
            return
        self._arm(self._limits.header_timeout, self._head_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._awaiting_head:
            self._head_bytes += len(data)
            if self._deadline is None:  # a new request on a kept-alive connection starts now
                self._arm(self._limits.header_timeout, self._head_timed_out)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, _HeadTooLarge):
                self._answer_and_close(431, "Request header fields too large.")
                return
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
            return
        if self._awaiting_head and self._head_bytes > self._limits.max_header_bytes:
            self._answer_and_close(431, "Request header fields too large.")

    # parser callbacks -------------------------------------------------------------------------------
    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._head_size += len(name) + len(value) + 4  # ": " and CRLF
        if self._header_count > self._limits.max_headers or self._head_size > self._limits.max_header_bytes:
            raise _HeadTooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._head_bytes = self._head_size = self._header_count = 0
        self._arm(self._limits.body_timeout, self._body_timed_out)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._awaiting_head = True  # what comes next on this connection is a new head
        super().on_message_complete()

    # deadlines ----------------------------------------------------------------------------------------
    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_timed_out(self) -> None:
        self._deadline = None
        if self._awaiting_head and not self.transport.is_closing():
            log.debug("request head not received within %.1fs", self._limits.header_timeout)
            idle_between_requests = self._head_bytes == 0 and self.cycle is not None
            if idle_between_requests:
                self.transport.close()  # nothing asked: nothing to answer
            else:
                self._answer_and_close(408, "Request header timeout.")

    def _body_timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.debug("request body not received within %.1fs", self._limits.body_timeout)
        if self.cycle is not None and not self.cycle.response_started:
            self._answer_and_close(408, "Request body timeout.")
        else:
            self.transport.close()

    def _answer_and_close(self, status: int, message: str) -> None:
        """A plain-text answer the app never sees (it had no request yet), then close."""
        self._disarm()
        body = message.encode("ascii")
        status_line = STATUS_LINE.get(status) or f"HTTP/1.1 {status} \r\n".encode("ascii")
        head = [status_line, b"content-type: text/plain; charset=utf-8\r\n"]
        head.append(b"content-length: " + str(len(body)).encode("ascii") + b"\r\n")
        head.append(b"connection: close\r\n\r\n")
        self.transport.write(b"".join(head) + body)
        self.transport.close()


def server_config(
    app: Any, settings: Settings, *, host: str, port: int, workers: int = 1, **extra: Any
) -> uvicorn.Config:
    """uvicorn's config with our protocol and limits (``app`` may be an import string with ``factory=True``)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        workers=workers,
        http=LimitedHttpToolsProtocol,
        timeout_keep_alive=settings.http_keep_alive_timeout,
        log_level="warning",
        access_log=False,  # our own access log (request_context) writes one escaped line per request
        **extra,
    )
    setattr(config, LIMITS_ATTRIBUTE, HttpLimits.of(settings))
    return config


def run_server(config: uvicorn.Config) -> None:
    """What ``uvicorn.run`` does, for a config built here: one process, or a supervisor of ``workers``
    (each spawned worker unpickles the config, limits included, and builds the app from its import string)."""
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    uvicorn.Server(config).run()
