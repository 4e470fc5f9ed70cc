"""A merchant's webhook receiver on loopback for the webhook variant: answers every POST with 200 at once.

It counts the deliveries and keeps their ``webhook-id`` headers, so the benchmark can check that the
dispatcher really delivered every event (once each) rather than assume it. It does not verify signatures
(tests/e2e does, with the ``standardwebhooks`` package): the benchmark measures the sending side.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Final

import msgspec
from _http import read_headers
from _load import VirtualUser

_CRLF: Final = b"\r\n"
_OK: Final = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class WebhookReceiver:
    def __init__(self) -> None:
        self.received = 0
        self.webhook_ids: set[str] = set()
        self.types: dict[str, int] = {}
        self.last_at = 0.0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._arrived = asyncio.Event()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/micropay"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

    async def wait_for(self, count: int, seconds: float) -> float:
        """Until ``count`` distinct deliveries arrived or ``seconds`` passed; returns the seconds waited."""
        started = time.perf_counter()
        deadline = started + seconds
        while len(self.webhook_ids) < count and (left := deadline - time.perf_counter()) > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)
        return time.perf_counter() - started

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                await reader.readuntil(_CRLF)
                headers = await read_headers(reader)
                length = int(headers.get(b"content-length", b"0"))
                body = await reader.readexactly(length) if length else b""
                self.received += 1
                self.last_at = time.perf_counter()
                self.webhook_ids.add(headers.get(b"webhook-id", b"").decode())
                kind = str(msgspec.json.decode(body).get("type", "?")) if body else "?"
                self.types[kind] = self.types.get(kind, 0) + 1
                writer.write(_OK)
                self._arrived.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()


async def register_endpoint(user: VirtualUser, url: str) -> str:
    """Register ``url`` for every event type with the user's secret key (``POST /v1/webhook_endpoints``)."""
    body = msgspec.json.encode({"url": url, "enabled_events": ["*"], "description": "bench receiver"})
    status, answer = await user.api.request("POST", "/v1/webhook_endpoints", body)
    if status != 201:
        raise RuntimeError(f"registering the webhook endpoint answered {status}: {answer[:300]!r}")
    return str(msgspec.json.decode(answer)["id"])
