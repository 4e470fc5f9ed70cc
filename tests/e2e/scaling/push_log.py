"""The Daraja simulator's record of every STK push it was sent, as an ASGI wrapper around its app.

Each push carries its ``CallBackURL``, whose last segment is the callback token Micropay issued for that one
push row (only the token's SHA-256 is stored, ``callback_token_hash``). So this log says which push row each
request to Daraja came from, whether Daraja accepted it or not: a row pushed twice shows up twice.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import msgspec

PUSH_PATH = "/mpesa/stkpush/v1/processrequest"


@dataclass(frozen=True)
class Push:
    token_hash: str  # sha256 of the callback token: the push row's ``callback_token_hash``
    phone_number: str
    at: float  # time.monotonic()


class PushLog:
    """``PushLog(app)`` is the app with every push request recorded before the simulator handles it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._pushes: list[Push] = []

    def pushes(self) -> list[Push]:
        with self._lock:
            return list(self._pushes)

    def by_token_hash(self) -> Counter[str]:
        return Counter(push.token_hash for push in self.pushes())

    def _record(self, body: bytes) -> None:
        try:
            payload = msgspec.json.decode(body)
            token = str(payload["CallBackURL"]).rstrip("/").rsplit("/", 1)[-1]
            phone = str(payload.get("PhoneNumber", ""))
        except (msgspec.DecodeError, KeyError, TypeError, AttributeError):
            return  # not a push Micropay could have sent; the simulator answers it as Daraja would
        push = Push(token_hash=hashlib.sha256(token.encode()).hexdigest(), phone_number=phone, at=time.monotonic())
        with self._lock:
            self._pushes.append(push)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PUSH_PATH:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        self._record(body)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            message: dict[str, Any] = await receive()
            return message

        await self.app(scope, replay, send)
