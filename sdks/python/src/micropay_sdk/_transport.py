"""Sending an ``ApiCall`` with retries: once for the sync client, once for the async one.

Both loops make the same decisions (``RetryPolicy``) and send the same bytes (``_wire``); a POST's
``Idempotency-Key`` was fixed when its ``ApiCall`` was built, so every try carries the same key.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from micropay_sdk import _wire
from micropay_sdk._wire import ApiCall
from micropay_sdk.objects import ListObject
from micropay_sdk.pagination import AsyncPage, Identified, Page
from micropay_sdk.retries import RetryPolicy

T = TypeVar("T")
ItemT = TypeVar("ItemT", bound=Identified)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def _checked_base_url(base_url: str) -> str:
    if not base_url.startswith(("http://", "https://")):
        raise ValueError("base_url must start with http:// or https://, e.g. http://127.0.0.1:8000")
    return base_url.rstrip("/")


def _checked_api_key(api_key: str) -> str:
    if not isinstance(api_key, str) or not api_key.strip():
        raise ValueError("api_key must be a Micropay secret key (sk_...) or publishable key (pk_...)")
    return api_key


def _timeout(call: ApiCall[Any], default: httpx.Timeout) -> httpx.Timeout:
    return default if call.timeout is None else httpx.Timeout(call.timeout, connect=default.connect)


class _Requester:
    def __init__(self, api_key: str, base_url: str, timeout: httpx.Timeout, retry: RetryPolicy) -> None:
        self._api_key = _checked_api_key(api_key)
        self.base_url = _checked_base_url(base_url)
        self._default_timeout = timeout
        self.retry = retry
        self._rng = random.Random()  # jitter, not a secret

    def _request_args(self, call: ApiCall[Any]) -> dict[str, Any]:
        return {
            "method": call.method,
            "url": self.base_url + call.path,
            "params": call.query,
            "content": _wire.encoded_body(call),
            "headers": _wire.headers_for(call, self._api_key),
            "timeout": _timeout(call, self._default_timeout),
        }

    @property
    def key_hint(self) -> str:
        """The key's type prefix and last 4 characters, for reprs (never the key)."""
        return f"{self._api_key[:8]}…{self._api_key[-4:]}"


class SyncRequester(_Requester):
    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: httpx.Timeout,
        retry: RetryPolicy,
        http_client: httpx.Client | None,
        sleep: Callable[[float], None],
    ) -> None:
        super().__init__(api_key, base_url, timeout, retry)
        self._owns_client = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(timeout=timeout)
        self._sleep = sleep

    def send_raw(self, call: ApiCall[Any]) -> httpx.Response:
        """The successful response; raises the error for the last failure once retries are spent."""
        retries = 0
        while True:
            try:
                response = self._http.request(**self._request_args(call))
            except _wire.RETRYABLE_TRANSPORT_ERRORS as exc:
                delay = self.retry.delay_after_connection_error(retries, self._rng)
                if delay is None:
                    raise _wire.connection_error(exc, call) from exc
            except httpx.TransportError as exc:
                raise _wire.connection_error(exc, call) from exc
            else:
                if response.is_success:
                    return response
                error = _wire.error_from_response(response)
                delay = self.retry.delay_after_response(
                    retries, response.status_code, error.code, error.retry_after, self._rng
                )
                if delay is None:
                    raise error
            if delay > 0:
                self._sleep(delay)
            retries += 1

    def send(self, call: ApiCall[T]) -> T:
        result: T = _wire.decode(self.send_raw(call), call.returns)
        return result

    def page(self, path: str, item: type[ItemT], params: dict[str, Any]) -> Page[ItemT]:
        listed: ListObject[ItemT] = self.send(_wire.get(path, ListObject[item], params))  # type: ignore[valid-type]

        def fetch(following: dict[str, Any]) -> Page[ItemT]:
            return self.page(path, item, following)

        return Page(listed, params, fetch)

    def close(self) -> None:
        if self._owns_client:
            self._http.close()


class AsyncRequester(_Requester):
    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: httpx.Timeout,
        retry: RetryPolicy,
        http_client: httpx.AsyncClient | None,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        super().__init__(api_key, base_url, timeout, retry)
        self._owns_client = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient(timeout=timeout)
        self._sleep = sleep

    async def send_raw(self, call: ApiCall[Any]) -> httpx.Response:
        retries = 0
        while True:
            try:
                response = await self._http.request(**self._request_args(call))
            except _wire.RETRYABLE_TRANSPORT_ERRORS as exc:
                delay = self.retry.delay_after_connection_error(retries, self._rng)
                if delay is None:
                    raise _wire.connection_error(exc, call) from exc
            except httpx.TransportError as exc:
                raise _wire.connection_error(exc, call) from exc
            else:
                if response.is_success:
                    return response
                error = _wire.error_from_response(response)
                delay = self.retry.delay_after_response(
                    retries, response.status_code, error.code, error.retry_after, self._rng
                )
                if delay is None:
                    raise error
            if delay > 0:
                await self._sleep(delay)
            retries += 1

    async def send(self, call: ApiCall[T]) -> T:
        result: T = _wire.decode(await self.send_raw(call), call.returns)
        return result

    async def page(self, path: str, item: type[ItemT], params: dict[str, Any]) -> AsyncPage[ItemT]:
        call = _wire.get(path, ListObject[item], params)  # type: ignore[valid-type]
        listed: ListObject[ItemT] = await self.send(call)

        async def fetch(following: dict[str, Any]) -> AsyncPage[ItemT]:
            return await self.page(path, item, following)

        return AsyncPage(listed, params, fetch)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()
