"""OAuth access tokens, cached per (environment, consumer key) and fetched single-flight.

Daraja's FAQ says a new token may invalidate the previous one, so concurrent callers must share one
in-flight request instead of each asking for their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final

from micropay.domain.model.environment import Environment
from micropay.ports.clock import Clock

TokenKey = tuple[Environment, str]  # (environment, consumer_key)
TokenFetcher = Callable[[], Awaitable[tuple[str, int]]]  # -> (access_token, expires_in seconds)

DEFAULT_REFRESH_MARGIN: Final = 60.0


class _Token:
    __slots__ = ("expires_at", "value")

    def __init__(self, value: str, expires_at: float) -> None:
        self.value = value
        self.expires_at = expires_at

    def __repr__(self) -> str:
        return f"AccessToken(value='***', expires_at={self.expires_at})"


class AccessTokenCache:
    """Tokens live until ``issued + expires_in - margin``; concurrent misses for one key share one fetch."""

    def __init__(self, clock: Clock, refresh_margin: float = DEFAULT_REFRESH_MARGIN) -> None:
        self._clock = clock
        self._margin = refresh_margin
        self._tokens: dict[TokenKey, _Token] = {}
        self._inflight: dict[TokenKey, asyncio.Task[str]] = {}

    def __repr__(self) -> str:
        return f"AccessTokenCache(cached={len(self._tokens)}, inflight={len(self._inflight)})"

    async def get(self, key: TokenKey, fetch: TokenFetcher) -> str:
        """A valid token for ``key``, fetching one (once for all concurrent callers) when needed.

        Raises whatever ``fetch`` raises, to every caller that waited for it.
        """
        cached = self._tokens.get(key)
        if cached is not None and self._clock.now() < cached.expires_at:
            return cached.value
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key, fetch))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        # A caller that is cancelled must not cancel the fetch the others are waiting for.
        return await asyncio.shield(task)

    def invalidate(self, key: TokenKey, token: str) -> None:
        """Drop ``token`` if it is still the cached one (a newer token fetched meanwhile is kept)."""
        cached = self._tokens.get(key)
        if cached is not None and cached.value == token:
            del self._tokens[key]

    async def _fetch(self, key: TokenKey, fetch: TokenFetcher) -> str:
        issued = self._clock.now()
        value, expires_in = await fetch()
        self._tokens[key] = _Token(value, issued + expires_in - self._margin)
        return value

    def _forget(self, key: TokenKey, done: asyncio.Task[str]) -> None:
        if self._inflight.get(key) is done:
            del self._inflight[key]
        if not done.cancelled():
            done.exception()  # retrieved here so that an error nobody awaited is not reported as lost
