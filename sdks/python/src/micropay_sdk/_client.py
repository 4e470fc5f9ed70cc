"""``Micropay`` and ``AsyncMicropay``: the key, the server, and the resources."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

import httpx

from micropay_sdk._transport import DEFAULT_TIMEOUT, AsyncRequester, SyncRequester
from micropay_sdk.resources.events import AsyncEvents, Events
from micropay_sdk.resources.payment_intents import AsyncPaymentIntents, PaymentIntents
from micropay_sdk.resources.webhook_endpoints import AsyncWebhookEndpoints, WebhookEndpoints
from micropay_sdk.retries import RetryPolicy


def _timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=min(timeout, 5.0))


def _retry(max_retries: int | None, retry: RetryPolicy | None) -> RetryPolicy:
    policy = retry or RetryPolicy()
    if max_retries is not None:
        policy = RetryPolicy(
            max_retries=max_retries,
            initial_delay=policy.initial_delay,
            max_delay=policy.max_delay,
            max_retry_after=policy.max_retry_after,
            backoff=policy.backoff,
        )
    return policy


class Micropay:
    """The sync client: ``Micropay("sk_test_...", "http://127.0.0.1:8000")``.

    ``timeout`` is per request (seconds, or an ``httpx.Timeout``); ``retry`` says how often and how long
    to retry what is safe to retry (see ``micropay_sdk.retries``); ``http_client`` is yours to configure
    (proxies, a transport double) and to close; ``sleep`` is what waits between retries.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._requester = SyncRequester(
            api_key,
            base_url,
            timeout=_timeout(timeout),
            retry=_retry(max_retries, retry),
            http_client=http_client,
            sleep=sleep,
        )
        self.payment_intents = PaymentIntents(self._requester)
        self.events = Events(self._requester)
        self.webhook_endpoints = WebhookEndpoints(self._requester)

    @property
    def base_url(self) -> str:
        return self._requester.base_url

    def close(self) -> None:
        """Close the connection pool (unless you passed your own ``http_client``)."""
        self._requester.close()

    def __enter__(self) -> Micropay:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Micropay(api_key='{self._requester.key_hint}', base_url={self.base_url!r})"


class AsyncMicropay:
    """The asyncio client: the same resources, every call awaited (``async with AsyncMicropay(...)``)."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._requester = AsyncRequester(
            api_key,
            base_url,
            timeout=_timeout(timeout),
            retry=_retry(max_retries, retry),
            http_client=http_client,
            sleep=sleep,
        )
        self.payment_intents = AsyncPaymentIntents(self._requester)
        self.events = AsyncEvents(self._requester)
        self.webhook_endpoints = AsyncWebhookEndpoints(self._requester)

    @property
    def base_url(self) -> str:
        return self._requester.base_url

    async def aclose(self) -> None:
        await self._requester.aclose()

    async def __aenter__(self) -> AsyncMicropay:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncMicropay(api_key='{self._requester.key_hint}', base_url={self.base_url!r})"
