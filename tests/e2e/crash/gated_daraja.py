"""A Daraja stand-in for crash tests: OAuth and STK push over real HTTP, each answer held until a gate opens.

The API under test talks to it with its production httpx gateway. A test closes a gate to hold the API at a
known point of a request from outside (no hooks in production code), kills the API there, then opens the gate.
Every push it receives is counted: the double-charge tests assert that a retry never sends a second one.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Final

import msgspec

_CRLF: Final = b"\r\n"


class Gate:
    """Open unless closed; ``arrived`` is set when a request reached it (held or not)."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self.arrived = asyncio.Event()

    def close(self) -> None:
        self.open.clear()
        self.arrived.clear()

    async def pass_through(self) -> None:
        self.arrived.set()
        await self.open.wait()


class GatedDaraja:
    def __init__(self) -> None:
        self.oauth = Gate()
        self.push = Gate()
        self.pushes: list[dict[str, object]] = []
        self._ids = itertools.count(1)
        self._server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self.oauth.open.set()
        self.push.open.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readuntil(_CRLF)
                headers: dict[bytes, bytes] = {}
                while (line := await reader.readuntil(_CRLF)) != _CRLF:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get(b"content-length", b"0"))
                body = await reader.readexactly(length) if length else b""
                path = request_line.split(b" ")[1].split(b"?")[0]
                answer = await self._answer(path, body)
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, path: bytes, body: bytes) -> bytes:
        if path == b"/oauth/v1/generate":
            await self.oauth.pass_through()
            return msgspec.json.encode({"access_token": "CrashTestToken000000000000000", "expires_in": "3599"})
        if path == b"/mpesa/stkpush/v1/processrequest":
            self.pushes.append(msgspec.json.decode(body))
            await self.push.pass_through()
            n = next(self._ids)
            return msgspec.json.encode(
                {
                    "MerchantRequestID": f"crash-{n}",
                    "CheckoutRequestID": f"ws_CO_crash{n:010d}",
                    "ResponseCode": "0",
                    "ResponseDescription": "Success. Request accepted for processing",
                    "CustomerMessage": "Success. Request accepted for processing",
                }
            )
        return b"{}"
