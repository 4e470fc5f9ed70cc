"""``HttpxWebhookSender``: one signed POST per attempt, through the SSRF guard, never following redirects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Final

import httpx

from micropay.adapters.webhooks import standard_webhooks
from micropay.adapters.webhooks.ssrf import Resolver, TargetRefused, plan_connection, system_resolver
from micropay.ports.clock import Clock
from micropay.ports.webhook_sender import SendOutcome, WebhookMessage, WebhookSender

EXCERPT_BYTES: Final = 1024
MAX_RETRY_AFTER: Final = 7 * 86400


def make_webhook_client(timeout: float, *, max_connections: int = 100) -> httpx.AsyncClient:
    """The webhooks' own client: no redirects, no proxies from the environment (they would bypass the guard)."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=20),
    )


class HttpxWebhookSender(WebhookSender):
    """The whole attempt (resolve, connect, send, first 1 KB of the answer) must fit in ``timeout`` seconds."""

    def __init__(
        self, client: httpx.AsyncClient, clock: Clock, *, timeout: float, resolve: Resolver = system_resolver
    ) -> None:
        self._client = client
        self._clock = clock
        self._timeout = timeout
        self._resolve = resolve

    async def send(self, message: WebhookMessage, *, allow_private: bool) -> SendOutcome:
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            async with asyncio.timeout(self._timeout):
                return await self._post(message, allow_private, elapsed)
        except TargetRefused as exc:
            return SendOutcome(http_status=None, duration_ms=elapsed(), error=f"target_refused: {exc}")
        except TimeoutError:
            return SendOutcome(http_status=None, duration_ms=elapsed(), error=f"timeout after {self._timeout:g} s")
        except httpx.HTTPError as exc:
            return SendOutcome(http_status=None, duration_ms=elapsed(), error=_describe(exc))

    async def _post(self, message: WebhookMessage, allow_private: bool, elapsed: Callable[[], int]) -> SendOutcome:
        plan = await plan_connection(message.url, allow_private=allow_private, resolve=self._resolve)
        headers = standard_webhooks.headers(message.secrets, message.message_id, message.timestamp, message.body)
        headers["host"] = plan.host_header
        extensions = {"sni_hostname": plan.sni_hostname} if plan.sni_hostname else {}
        request = self._client.build_request(
            "POST", plan.url, content=message.body, headers=headers, extensions=extensions
        )
        response = await self._client.send(request, stream=True)
        try:
            excerpt = bytearray()
            async for chunk in response.aiter_raw():
                excerpt.extend(chunk)
                if len(excerpt) >= EXCERPT_BYTES:
                    break
        finally:
            await response.aclose()
        return SendOutcome(
            http_status=response.status_code,
            duration_ms=elapsed(),
            error=None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}",
            response_excerpt=bytes(excerpt[:EXCERPT_BYTES]).decode("utf-8", "replace"),
            retry_after=self._retry_after(response.headers.get("retry-after")),
        )

    def _retry_after(self, value: str | None) -> int | None:
        """Seconds from ``Retry-After`` (a number of seconds or an HTTP date), capped; None when absent or bad."""
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            return min(int(value), MAX_RETRY_AFTER)
        try:
            when = parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError):
            return None
        return max(0, min(int(when - self._clock.now()), MAX_RETRY_AFTER))


def _describe(exc: httpx.HTTPError) -> str:
    """The kind of network failure, without URLs (they may carry tokens) or addresses."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "protocol error"
    return type(exc).__name__
