"""A real HTTP receiver on loopback for webhook tests, in a thread of its own (so any test may use it).

Deliberately minimal HTTP/1.1 (one request per connection, ``Connection: close``): what it answers is
decided per request by ``respond`` (status, headers, body, and how long to stall first), so tests can play
a healthy merchant, a 410, a 503 with Retry-After, a redirect, or a receiver that hangs.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    received_at: float = 0.0  # time.monotonic() when it arrived


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"ok":true}'
    stall: float = 0.0  # seconds to wait before answering (a hanging receiver)


Responder = Callable[[ReceivedRequest], Reply]


class Receiver:
    def __init__(self, respond: Responder | None = None, port: int = 0) -> None:
        self.respond: Responder = respond or (lambda _request: Reply())
        self.received: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="webhook-receiver", daemon=True)
        self._server: asyncio.Server | None = None
        self.port = port
        self.in_flight = 0
        self.most_in_flight = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self.received)

    def start(self) -> Receiver:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", self.port), self._loop
        ).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def go_down(self) -> None:
        """Stop listening: connections are refused until ``come_back`` (same port)."""

        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)

    def come_back(self) -> None:
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True), self._loop
        ).result(10)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            # stalled handlers (a hanging receiver) end now, not when the loop is torn down
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = ReceivedRequest(
                method=method, path=path, headers=headers, body=body, received_at=time.monotonic()
            )
            with self._lock:
                self.received.append(request)
            reply = self.respond(request)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                if reply.stall:
                    await asyncio.sleep(reply.stall)
            finally:
                self.in_flight -= 1
            extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
            head = f"HTTP/1.1 {reply.status} X\r\nContent-Length: {len(reply.body)}\r\nConnection: close\r\n{extra}\r\n"
            writer.write(head.encode() + reply.body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


@contextmanager
def running_receiver(respond: Responder | None = None, port: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(respond, port).start()
    try:
        yield receiver
    finally:
        receiver.stop()
