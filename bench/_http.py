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
        """Send one request and read the whole answer: ``(status, body)``. Raises ``HttpError``."""
        try:
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
            assert self._reader is not None
            length = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if body else ""
            head = f"{method} {path} HTTP/1.1\r\n{self._fixed}{length}\r\n"
            self._writer.write(head.encode("latin-1") + body)
            status, content, keep_alive = await read_response(self._reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            raise HttpError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if not keep_alive:
            await self.close()
        return status, content

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """``(status, body, keep_alive)`` of one HTTP/1.1 response."""
    status_line = await reader.readuntil(_CRLF)
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
