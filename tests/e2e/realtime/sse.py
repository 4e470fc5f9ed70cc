"""A small server-sent-events reader for the stream tests (what a browser's EventSource parses)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx


class Frame:
    """One SSE block: ``id``/``event``/``data`` fields and comment lines."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.comments: list[str] = []

    @property
    def is_event(self) -> bool:
        return "data" in self.fields

    @property
    def id(self) -> str:
        return self.fields["id"]

    @property
    def type(self) -> str:
        return self.fields["event"]

    @property
    def data(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.fields["data"])
        return parsed


class SseReader:
    """Lines are pumped into a queue by a task of their own, so a timed-out wait never cancels (and so ends)
    the response's line iterator."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._pump = asyncio.create_task(self._read_lines())

    async def _read_lines(self) -> None:
        try:
            async for line in self.response.aiter_lines():
                await self._queue.put(line)
        finally:
            await self._queue.put(None)

    async def close(self) -> None:
        self._pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self._pump

    async def frame(self, within: float = 5.0) -> Frame:
        """The next block (events and comment-only blocks alike)."""
        frame = Frame()
        async with asyncio.timeout(within):
            while (line := await self._queue.get()) is not None:
                if line == "":
                    if frame.fields or frame.comments:
                        return frame
                    continue
                if line.startswith(":"):
                    frame.comments.append(line[1:].strip())
                    continue
                name, _, value = line.partition(":")
                frame.fields[name] = value.removeprefix(" ")
        raise AssertionError("the stream ended")

    async def event(self, within: float = 5.0) -> Frame:
        """The next event, skipping comments (keep-alives)."""
        async with asyncio.timeout(within):
            while True:
                frame = await self.frame(within)
                if frame.is_event:
                    return frame

    async def events(self, count: int, within: float = 5.0) -> list[Frame]:
        return [await self.event(within) for _ in range(count)]

    async def nothing_for(self, seconds: float) -> None:
        """No event arrives within ``seconds`` (comments may)."""
        try:
            frame = await self.event(seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected event {frame.fields}")


@asynccontextmanager
async def open_stream(
    http: httpx.AsyncClient, path: str, *, headers: dict[str, str] | None = None, params: dict[str, str] | None = None
) -> AsyncIterator[SseReader]:
    """Open ``path``; the caller checks the status. The opening comment block is consumed when it is 200."""
    async with http.stream(
        "GET", path, headers=headers or {}, params=params or {}, timeout=httpx.Timeout(10.0, read=None)
    ) as response:
        if response.status_code != 200:
            await response.aread()
        reader = SseReader(response)
        try:
            if response.status_code == 200:
                opening = await reader.frame()
                assert "stream open" in opening.comments
                assert opening.fields.get("retry") == "2000"
            yield reader
        finally:
            await reader.close()
