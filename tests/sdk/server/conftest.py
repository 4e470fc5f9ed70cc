"""The SDK against the real stack (tests/e2e/harness.py): the simulator and the API on loopback.

Reuses the e2e fixtures (``stack`` over SQLite and Postgres, fresh ``merchant`` per test); the SDK talks
to the API over real HTTP, exactly as a merchant's server would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from micropay_sdk import AsyncMicropay, Micropay, RetryPolicy

from tests.e2e.client import Merchant
from tests.e2e.conftest import merchant, other_merchant, stack
from tests.e2e.harness import Stack

__all__ = ["async_client", "client", "counted_client", "merchant", "other_merchant", "stack"]

#: Retry as in production, but without the waits (Retry-After included): the tests stay fast.
FAST_RETRIES = RetryPolicy(backoff=False)


class CountingClient:
    """An SDK client plus every (method, path, Idempotency-Key) it sent, retries included."""

    def __init__(self, stack: Stack, key: str, retry: RetryPolicy = FAST_RETRIES) -> None:
        self.sent: list[tuple[str, str, str | None]] = []
        self._http = httpx.Client(event_hooks={"request": [self._record]})
        self.sdk = Micropay(key, stack.api_url, retry=retry, http_client=self._http)

    def _record(self, request: httpx.Request) -> None:
        self.sent.append((request.method, request.url.path, request.headers.get("idempotency-key")))

    def close(self) -> None:
        self._http.close()


@pytest.fixture
def client(stack: Stack, merchant: Merchant) -> Iterator[Micropay]:
    with Micropay(merchant.sk_test, stack.api_url, retry=FAST_RETRIES) as sdk:
        yield sdk


@pytest.fixture
def counted_client(stack: Stack, merchant: Merchant) -> Iterator[CountingClient]:
    counted = CountingClient(stack, merchant.sk_test)
    yield counted
    counted.close()


@pytest.fixture
async def async_client(stack: Stack, merchant: Merchant) -> AsyncIterator[AsyncMicropay]:
    async with AsyncMicropay(merchant.sk_test, stack.api_url, retry=FAST_RETRIES) as sdk:
        yield sdk
