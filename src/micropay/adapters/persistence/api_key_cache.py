"""A per-process cache of API-key lookups, trusted only while this process hears every key change.

Keyed on the SHA-256 digest the database stores (``micropay_api_keys.key_hash``): a raw key never reaches
this module. It is bounded (``max_entries``, least recently used out first) and every entry is dropped
``ttl`` seconds after it was read from the database, whatever happens.

Correctness rests on the ``LISTEN`` connection of the change feed (``PgListenNotifyChangeFeed``), which
tells this cache (``KeyChangeObserver``):
- ``api_key_changed(key_hash)``: a committed update or delete of that key (migration 0011's trigger), or
  ``"*"`` after a ``TRUNCATE``: the entry (or every entry) goes;
- ``listening_changed(live)``: the connection came up or went away. Either way the cache empties, and while
  nobody listens it answers nothing and stores nothing: every lookup goes to the database. After a
  reconnection it starts empty, since notifications sent meanwhile were lost.

A lookup that races a change cannot store a stale answer: ``token()`` is taken before the database read and
``put`` stores only if no change (of any key) and no connection event happened since. A change that
commits after the read and is announced after ``put`` removes the entry when it is heard. So a rolled key
stops in this process once the notification arrives (milliseconds after the commit), or at once when the
listener is down. A silently dead TCP connection is noticed by the feed's health ping (every 10 s, 5 s
timeout); ``ttl`` bounds staleness in any case.

Only keys that exist are cached (an unknown hash is never stored, so random keys cannot fill it). Whether
a cached key is active is decided at each use, by its ``expires_at``/``revoked_at`` against the clock.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final, NamedTuple

from micropay.domain.model.api_keys import ApiKey
from micropay.domain.model.environment import Tenant
from micropay.ports.change_feed import Change
from micropay.ports.tenant_directory import CallbackRoute, StuckIntent, TenantDirectory

DEFAULT_MAX_ENTRIES: Final = 10_000
DEFAULT_TTL_SECONDS: Final = 60.0
ALL_KEYS: Final = "*"


class _Entry(NamedTuple):
    key: ApiKey
    expires: float  # monotonic time after which the entry is not used


class ApiKeyCache:
    """Not thread-safe: one event loop owns it (the API process's), as it owns the feed."""

    def __init__(
        self,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or ttl <= 0:
            raise ValueError("an API-key cache needs max_entries >= 1 and ttl > 0")
        self._max_entries = max_entries
        self._ttl = ttl
        self._monotonic = monotonic
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._generation = 0
        self._live = False
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"ApiKeyCache(live={self._live}, entries={len(self._entries)})"  # never a hash

    @property
    def live(self) -> bool:
        return self._live

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key_hash: str) -> ApiKey | None:
        """The cached key with this hash, or None (not cached, too old, or no live listener)."""
        if not self._live:
            return None
        entry = self._entries.get(key_hash)
        if entry is None:
            self.misses += 1
            return None
        if self._monotonic() >= entry.expires:
            del self._entries[key_hash]
            self.misses += 1
            return None
        self._entries.move_to_end(key_hash)
        self.hits += 1
        return entry.key

    def token(self) -> int | None:
        """Take before reading the database; None when the answer must not be cached (no live listener)."""
        return self._generation if self._live else None

    def put(self, key: ApiKey, token: int | None) -> bool:
        """Store ``key`` (read after ``token()`` gave ``token``) unless something changed since; whether stored."""
        if token is None or not self._live or token != self._generation:
            return False
        self._entries[key.key_hash] = _Entry(key, self._monotonic() + self._ttl)
        self._entries.move_to_end(key.key_hash)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return True

    # KeyChangeObserver: called by the change feed on its event loop.

    def api_key_changed(self, key_hash: str) -> None:
        self._generation += 1
        if key_hash == ALL_KEYS:
            self._entries.clear()
        else:
            self._entries.pop(key_hash, None)

    def listening_changed(self, live: bool) -> None:
        self._generation += 1
        self._entries.clear()
        self._live = live

    def changed(self, change: Change) -> None:
        """Intent and event changes do not concern keys."""


class CachingTenantDirectory(TenantDirectory):
    """A ``TenantDirectory`` whose ``find_api_key`` answers from an ``ApiKeyCache`` when it can."""

    def __init__(self, inner: TenantDirectory, cache: ApiKeyCache) -> None:
        self._inner = inner
        self.cache = cache

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        cached = self.cache.get(key_hash)
        if cached is not None:
            return cached
        token = self.cache.token()
        key = await self._inner.find_api_key(key_hash)
        if key is not None and key.key_hash == key_hash:
            self.cache.put(key, token)
        return key

    async def route_callback(self, token_hash: str) -> CallbackRoute | None:
        return await self._inner.route_callback(token_hash)

    async def credential_tenants(self, *, not_key_id: str) -> list[Tenant]:
        return await self._inner.credential_tenants(not_key_id=not_key_id)

    async def stuck_intents(self, *, updated_before: int, limit: int) -> list[StuckIntent]:
        return await self._inner.stuck_intents(updated_before=updated_before, limit=limit)

    async def record_unroutable_callback(self, token_hint: str, body: Any, received_at: int) -> None:
        await self._inner.record_unroutable_callback(token_hint, body, received_at)

    async def prune_unroutable_callbacks(self, *, received_before: int, limit: int) -> int:
        return await self._inner.prune_unroutable_callbacks(received_before=received_before, limit=limit)
