"""A scripted Micropay server on ``httpx.MockTransport``: it answers from a script and keeps every request.

The SDK is exercised through its public clients with ``http_client=`` set to an httpx client on this
transport, so what is asserted is what would go on the wire.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
from micropay_sdk import AsyncMicropay, Micropay, RetryPolicy

BASE_URL = "http://micropay.test"
API_KEY = "sk_test_" + "a" * 32
Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]
_IDS = itertools.count(1)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    request_id = f"req_{next(_IDS):024d}"
    return httpx.Response(
        status,
        content=msgspec.json.encode(body),
        headers={"Content-Type": "application/json", "Request-Id": request_id, **(headers or {})},
    )


def error_response(
    status: int, type_: str, code: str, *, param: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    error: dict[str, Any] = {"type": type_, "code": code, "message": f"{code} happened"}
    if param is not None:
        error["param"] = param
    error["request_id"] = f"req_err{next(_IDS):021d}"
    return json_response(status, {"error": error}, headers)


def intent_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "pi_" + "1" * 24,
        "object": "payment_intent",
        "livemode": False,
        "amount": 150000,
        "currency": "kes",
        "status": "requires_payment_method",
        "phone_number": None,
        "account_reference": "INV1",
        "description": None,
        "metadata": {},
        "client_secret": None,
        "next_action": None,
        "last_payment_error": None,
        "mpesa": None,
        "created": 1764000000,
        "updated": 1764000000,
        "canceled_at": None,
        "cancellation_reason": None,
    }
    body.update(changes)
    return body


def page_body(items: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": items, "has_more": has_more, "url": "/v1/payment_intents"}


class ScriptedServer:
    """Answers each request with the next scripted answer (the last one repeats)."""

    def __init__(self, *answers: Answer) -> None:
        assert answers
        self._answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def client(self, *, retry: RetryPolicy | None = None, **options: Any) -> Micropay:
        """A sync client whose waits between retries are recorded, not slept."""
        return Micropay(
            API_KEY,
            BASE_URL,
            retry=retry,
            http_client=httpx.Client(transport=httpx.MockTransport(self.handle)),
            sleep=self.sleeps.append,
            **options,
        )

    def async_client(self, *, retry: RetryPolicy | None = None) -> AsyncMicropay:
        async def record(seconds: float) -> None:
            self.sleeps.append(seconds)

        return AsyncMicropay(
            API_KEY,
            BASE_URL,
            retry=retry,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(self.handle)),
            sleep=record,
        )

    def bodies(self) -> list[Any]:
        return [msgspec.json.decode(r.content) if r.content else None for r in self.requests]

    def keys(self) -> list[str | None]:
        return [r.headers.get("idempotency-key") for r in self.requests]


NO_BACKOFF = RetryPolicy(backoff=False)
