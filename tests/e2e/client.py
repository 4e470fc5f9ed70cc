"""A thin merchant-side client for the e2e tests, and the checks every response must pass.

``check_response`` runs on every response any test receives (an httpx response hook): each carries a
``Request-Id: req_…`` header; no 5xx other than the contract's 502/503 (with ``Retry-After`` on 503);
every error body has ``type``, ``code``, ``message`` and a ``request_id`` equal to the header (a replayed
response is the first one byte for byte, so its body names the first request's id).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any, Final

import httpx
import msgspec

from micropay.domain.use_cases.api_keys import MerchantCreated

POLL_TIMEOUT_S: Final = 5.0
POLL_INTERVAL_S: Final = 0.05
TERMINAL_OR_FAILED: Final = frozenset({"succeeded", "failed", "canceled"})


class Merchant(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    sk_test: str
    pk_test: str
    sk_live: str
    pk_live: str

    @classmethod
    def of(cls, created: MerchantCreated) -> Merchant:
        sandbox, production = created.keys["sandbox"], created.keys["production"]
        return cls(
            id=created.merchant_id,
            sk_test=sandbox.secret,
            pk_test=sandbox.publishable,
            sk_live=production.secret,
            pk_live=production.publishable,
        )


async def check_response(response: httpx.Response) -> None:
    await response.aread()
    request_id = response.headers.get("request-id")
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    assert request_id is not None, f"{where}: no Request-Id header"
    assert request_id.startswith("req_"), f"{where}: a Request-Id that is not req_…: {request_id}"
    status = response.status_code
    assert status < 500 or status in (502, 503), f"{where}: a 5xx the contract does not allow: {response.text}"
    if status == 503:
        assert response.headers.get("retry-after"), f"{where}: a 503 without Retry-After"
    if status >= 400:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error, dict), f"{where}: error body without 'error': {response.text}"
        for field in ("type", "code", "message"):
            assert isinstance(error.get(field), str), f"{where}: error without {field}"
            assert error[field], f"{where}: empty error {field}"
        if response.headers.get("idempotent-replayed") == "true":
            # A replay is the first response byte for byte: its body names the first request's id.
            assert str(error.get("request_id", "")).startswith("req_"), f"{where}: replayed error without request_id"
        else:
            assert error.get("request_id") == request_id, f"{where}: error.request_id differs from Request-Id"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


class Api:
    """The calls a merchant's server (or checkout page) makes."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def create(
        self, key: str, body: dict[str, Any] | None = None, *, idempotency_key: str | None = None, **fields: Any
    ) -> httpx.Response:
        payload = {"amount": 1500, "currency": "kes", **(body or {}), **fields}
        return await self.http.post("/v1/payment_intents", json=payload, headers=_headers(key, idempotency_key))

    async def create_ok(self, key: str, **fields: Any) -> dict[str, Any]:
        response = await self.create(key, **fields)
        assert response.status_code == 201, response.text
        intent: dict[str, Any] = response.json()
        return intent

    async def confirm(
        self, key: str, intent_id: str, body: dict[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"/v1/payment_intents/{intent_id}/confirm",
            json=body if body is not None else {},
            headers=_headers(key, idempotency_key),
        )

    async def cancel(self, key: str, intent_id: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post(
            f"/v1/payment_intents/{intent_id}/cancel", json=body if body is not None else {}, headers=bearer(key)
        )

    async def reconcile(self, key: str, intent_id: str) -> httpx.Response:
        return await self.http.post(f"/v1/payment_intents/{intent_id}/reconcile", json={}, headers=bearer(key))

    async def retrieve(self, key: str, intent_id: str, **params: str) -> httpx.Response:
        return await self.http.get(f"/v1/payment_intents/{intent_id}", params=params, headers=bearer(key))

    async def intent(self, key: str, intent_id: str) -> dict[str, Any]:
        response = await self.retrieve(key, intent_id)
        assert response.status_code == 200, response.text
        intent: dict[str, Any] = response.json()
        return intent

    async def list_intents(self, key: str, **params: Any) -> httpx.Response:
        return await self.http.get("/v1/payment_intents", params=params, headers=bearer(key))

    async def attempts(self, key: str, intent_id: str) -> list[dict[str, Any]]:
        response = await self.http.get(f"/v1/payment_intents/{intent_id}/attempts", headers=bearer(key))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["object"] == "list"
        data: list[dict[str, Any]] = body["data"]
        return data

    async def callback(self, token: str, content: bytes) -> httpx.Response:
        return await self.http.post(
            f"/webhooks/mpesa/{token}", content=content, headers={"Content-Type": "application/json"}
        )

    async def wait_for_status(
        self, key: str, intent_id: str, statuses: Iterable[str] = TERMINAL_OR_FAILED
    ) -> dict[str, Any]:
        """Poll until the intent reaches one of ``statuses`` (bounded: a callback that never lands fails)."""
        wanted = frozenset(statuses)
        return await self.wait_for(key, intent_id, lambda intent: intent["status"] in wanted, f"status in {wanted}")

    async def wait_for(
        self, key: str, intent_id: str, ready: Callable[[dict[str, Any]], bool], what: str
    ) -> dict[str, Any]:
        deadline = time.monotonic() + POLL_TIMEOUT_S
        while True:
            intent = await self.intent(key, intent_id)
            if ready(intent):
                return intent
            if time.monotonic() > deadline:
                raise AssertionError(f"{intent_id}: {what} not reached; last seen {intent}")
            await asyncio.sleep(POLL_INTERVAL_S)

    async def wait_for_attempts(
        self, key: str, intent_id: str, ready: Callable[[list[dict[str, Any]]], bool], what: str
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + POLL_TIMEOUT_S
        while True:
            rows = await self.attempts(key, intent_id)
            if ready(rows):
                return rows
            if time.monotonic() > deadline:
                raise AssertionError(f"{intent_id}: attempts never showed {what}; last seen {rows}")
            await asyncio.sleep(POLL_INTERVAL_S)


def _headers(key: str, idempotency_key: str | None) -> dict[str, str]:
    headers = bearer(key)
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


def of_kind(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["kind"] == kind]
