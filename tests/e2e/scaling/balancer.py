"""A TCP load balancer for tests: each new connection goes to the next backend, in turn, that accepts it.

What an operator puts in front of N ``micropay serve`` processes, reduced to what matters here: connections
are spread round-robin, a backend that refuses connections (killed) is skipped, and a connection to a backend
that dies is cut, as a real balancer cuts it (what was in flight on it is lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter

from tests.e2e.harness import ServerLoop

CHUNK = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass


class RoundRobinBalancer:
    """Listens on a port of its own in ``loop``; ``connections`` counts the connections given to each backend."""

    def __init__(self, loop: ServerLoop, backend_ports: list[int]) -> None:
        self._loop = loop
        self._ports = list(backend_ports)
        self._turn = itertools.cycle(range(len(self._ports)))
        self.connections: Counter[int] = Counter()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RoundRobinBalancer:
        async def listen() -> asyncio.Server:
            return await asyncio.start_server(self._handle, "127.0.0.1", 0)

        self._server = self._loop.run(listen())
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        self._loop.run(close())

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for _ in self._ports:
            port = self._ports[next(self._turn)]
            try:
                upstream = await asyncio.open_connection("127.0.0.1", port)
            except OSError:  # refused: that backend is down, try the next one
                continue
            self.connections[port] += 1
            return upstream
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = await self._connect()
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream
        directions = [asyncio.ensure_future(_pipe(reader, up_writer)), asyncio.ensure_future(_pipe(up_reader, writer))]
        try:
            await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in directions:
                task.cancel()
            for stream in (writer, up_writer):
                with contextlib.suppress(ConnectionError, OSError, RuntimeError):
                    stream.close()
