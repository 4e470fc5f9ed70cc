"""A tiny merchant-side endpoint that records the callbacks the simulator POSTs."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Litestar, Request, post
from litestar.params import FromPath


class Received(msgspec.Struct, frozen=True, kw_only=True):
    path_token: str
    headers: dict[str, str]
    raw: bytes
    body: Any


class CallbackReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._changed = asyncio.Condition()
        self.app = Litestar(route_handlers=[self._handler()], openapi_config=None)

    def _handler(self) -> Any:
        @post("/webhooks/mpesa/{token:str}", status_code=200)
        async def callback(token: FromPath[str], request: Request[Any, Any, Any]) -> dict[str, Any]:
            raw = await request.body()
            self.received.append(
                Received(path_token=token, headers=dict(request.headers), raw=raw, body=msgspec.json.decode(raw))
            )
            async with self._changed:
                self._changed.notify_all()
            return {"ResultCode": 0, "ResultDesc": "Accepted"}

        return callback

    def for_token(self, token: str) -> list[Received]:
        return [item for item in self.received if item.path_token == token]

    async def wait_for(self, token: str, count: int = 1, limit_s: float = 10.0) -> list[Received]:
        """Wait until ``count`` callbacks for ``token`` arrived (the timeout is only a safety net)."""
        async with asyncio.timeout(limit_s), self._changed:
            await self._changed.wait_for(lambda: len(self.for_token(token)) >= count)
        return self.for_token(token)
