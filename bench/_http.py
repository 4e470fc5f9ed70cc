"""A lean HTTP/1.1 keep-alive client for the load generator.

Why not httpx: the load generator shares one core with the fake Daraja (and with Postgres), so every
microsecond it spends per request is taken from the system under test. This client does only what the
benchmark needs: one persistent connection per virtual user, ``Content-Length`` or chunked responses.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

_CRLF: Final = b"\r\n"


class HttpError(Exception):
    """The connection failed or the peer sent something this client cannot read."""


class _StaleConnection(Exception):
    """The connection was closed before any byte of the answer: the server did not take the request."""


class HttpConnection:
    """One keep-alive connection to ``host:port``; reconnects on the next request after a failure."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self._host = host
        self._port = port
        fixed = {"Host": f"{host}:{port}", **(headers or {})}
        self._fixed = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """Send one request and read the whole answer: ``(status, body)``. Raises ``HttpError``.

        A kept-alive connection the server has closed meanwhile (uvicorn closes idle ones after 5 s) fails
        before a single byte of the answer arrives: then, and only then, the request is sent again on a new
        connection, as HTTP clients do. The server never read it, so even a POST is safe to resend.
        """
        length = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if body else ""
        message = f"{method} {path} HTTP/1.1\r\n{self._fixed}{length}\r\n".encode("latin-1") + body
        reused = self._writer is not None
        try:
            status, content, keep_alive = await self._exchange(message)
        except _StaleConnection as exc:
            await self.close()
            if not reused:
                raise HttpError(f"{method} {path}: the server closed a new connection") from exc
            try:
                status, content, keep_alive = await self._exchange(message)
            except (_StaleConnection, OSError, asyncio.IncompleteReadError, ValueError) as again:
                await self.close()
                raise HttpError(f"{method} {path}: {type(again).__name__}: {again}") from again
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            raise HttpError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if not keep_alive:
            await self.close()
        return status, content

    async def _exchange(self, message: bytes) -> tuple[int, bytes, bool]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        try:
            self._writer.write(message)
            first = await self._reader.readuntil(_CRLF)
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise _StaleConnection from exc
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise
            raise _StaleConnection from exc
        return await read_response(self._reader, first)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def read_response(reader: asyncio.StreamReader, status_line: bytes) -> tuple[int, bytes, bool]:
    """``(status, body, keep_alive)`` of one HTTP/1.1 response whose status line was read already."""
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP response: {status_line[:40]!r}")
    status = int(parts[1])
    headers = await read_headers(reader)
    keep_alive = headers.get(b"connection", b"").lower() != b"close"
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        return status, await _read_chunked(reader), keep_alive
    length = int(headers.get(b"content-length", b"0"))
    return status, await reader.readexactly(length) if length else b"", keep_alive


async def read_headers(reader: asyncio.StreamReader) -> dict[bytes, bytes]:
    """Header lines up to the blank line, names lower-cased."""
    headers: dict[bytes, bytes] = {}
    while True:
        line = await reader.readuntil(_CRLF)
        if line == _CRLF:
            return headers
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(_CRLF)).split(b";", 1)[0], 16)
        if size == 0:
            await read_headers(reader)  # trailers, then the blank line
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
