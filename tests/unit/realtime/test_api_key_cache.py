"""The per-process API-key cache: bounded, dated, and trusted only while the listener is live.

A Hypothesis state machine drives the cache against a model of the database and of the listener: keys are
changed (and, while listening, the change is heard), lookups race changes (token taken before the read,
stored after), the listener drops and comes back, time passes. The one invariant that matters: the cache
never answers a key whose stored row has changed since it was read while the change could be heard, and
never answers anything while no listener is live.
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from micropay.adapters.persistence.api_key_cache import ALL_KEYS, ApiKeyCache, CachingTenantDirectory
from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.environment import Environment
from tests.fakes.database import InMemoryDatabase
from tests.fakes.tenant_directory import FakeTenantDirectory

HASHES = [f"{n:064x}" for n in range(6)]


def _key(key_hash: str, version: int = 0) -> ApiKey:
    return ApiKey(
        id=f"key_{key_hash[-2:]}",
        merchant_id="acct_1",
        environment=Environment.SANDBOX,
        type=KeyType.SECRET,
        key_hash=key_hash,
        display_prefix="sk_test_abcd",
        created=1,
        expires_at=None if version == 0 else 1000 + version,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_cached_until_a_listener_is_live() -> None:
    cache = ApiKeyCache()
    assert cache.token() is None
    assert not cache.put(_key(HASHES[0]), cache.token())
    assert cache.get(HASHES[0]) is None
    cache.listening_changed(True)
    assert cache.put(_key(HASHES[0]), cache.token())
    assert cache.get(HASHES[0]) == _key(HASHES[0])


def test_losing_the_listener_empties_the_cache_and_a_reconnection_starts_empty() -> None:
    cache = ApiKeyCache()
    cache.listening_changed(True)
    cache.put(_key(HASHES[0]), cache.token())
    cache.listening_changed(False)
    assert cache.get(HASHES[0]) is None
    assert len(cache) == 0
    cache.listening_changed(True)
    assert cache.get(HASHES[0]) is None


def test_a_read_that_raced_a_change_is_not_stored() -> None:
    cache = ApiKeyCache()
    cache.listening_changed(True)
    token = cache.token()
    cache.api_key_changed(HASHES[1])  # any change between the token and the store: the read may be stale
    assert not cache.put(_key(HASHES[0]), token)
    assert cache.get(HASHES[0]) is None


def test_a_read_that_raced_a_reconnection_is_not_stored() -> None:
    cache = ApiKeyCache()
    cache.listening_changed(True)
    token = cache.token()
    cache.listening_changed(False)
    cache.listening_changed(True)
    assert not cache.put(_key(HASHES[0]), token)


def test_a_change_or_a_truncate_drops_entries() -> None:
    cache = ApiKeyCache()
    cache.listening_changed(True)
    for key_hash in HASHES[:3]:
        cache.put(_key(key_hash), cache.token())
    cache.api_key_changed(HASHES[0])
    assert cache.get(HASHES[0]) is None
    assert cache.get(HASHES[1]) is not None
    cache.api_key_changed(ALL_KEYS)
    assert len(cache) == 0


def test_entries_expire_after_the_ttl_and_the_size_is_bounded_least_recently_used_first() -> None:
    clock = Clock()
    cache = ApiKeyCache(max_entries=2, ttl=10.0, monotonic=clock)
    cache.listening_changed(True)
    cache.put(_key(HASHES[0]), cache.token())
    cache.put(_key(HASHES[1]), cache.token())
    assert cache.get(HASHES[0]) is not None  # now HASHES[1] is the least recently used
    cache.put(_key(HASHES[2]), cache.token())
    assert cache.get(HASHES[1]) is None
    assert cache.get(HASHES[0]) is not None
    clock.now = 10.0
    assert cache.get(HASHES[0]) is None
    assert cache.get(HASHES[2]) is None


def test_the_cache_never_shows_a_hash_in_its_repr() -> None:
    cache = ApiKeyCache()
    cache.listening_changed(True)
    cache.put(_key(HASHES[0]), cache.token())
    assert HASHES[0] not in repr(cache)


@pytest.mark.parametrize(("size", "ttl"), [(0, 1.0), (1, 0.0)])
def test_an_unbounded_cache_is_refused(size: int, ttl: float) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        ApiKeyCache(max_entries=size, ttl=ttl)


async def test_the_directory_answers_from_the_cache_only_while_live_and_never_caches_unknown_keys() -> None:
    db = InMemoryDatabase()
    inner = FakeTenantDirectory(db)
    db.api_keys["k"] = _key(HASHES[0])
    cache = ApiKeyCache()
    directory = CachingTenantDirectory(inner, cache)

    assert await directory.find_api_key(HASHES[0]) == _key(HASHES[0])
    assert len(cache) == 0  # not live: nothing stored
    cache.listening_changed(True)
    assert await directory.find_api_key(HASHES[0]) == _key(HASHES[0])
    db.api_keys["k"] = _key(HASHES[0], version=1)  # changed without a notification...
    assert await directory.find_api_key(HASHES[0]) == _key(HASHES[0])  # ...so the cache answers
    cache.api_key_changed(HASHES[0])  # the notification
    assert await directory.find_api_key(HASHES[0]) == _key(HASHES[0], version=1)
    assert await directory.find_api_key(HASHES[5]) is None
    assert HASHES[5] not in cache._entries  # the bound against random keys


async def test_a_change_heard_while_the_database_read_is_in_flight_is_not_overwritten() -> None:
    started, release = asyncio.Event(), asyncio.Event()

    class SlowDirectory(FakeTenantDirectory):
        async def find_api_key(self, key_hash: str) -> ApiKey | None:
            answer = await super().find_api_key(key_hash)  # the snapshot, before the change commits
            started.set()
            await release.wait()
            return answer

    db = InMemoryDatabase()
    inner = SlowDirectory(db)
    db.api_keys["k"] = _key(HASHES[0])
    cache = ApiKeyCache()
    cache.listening_changed(True)
    lookup = asyncio.create_task(CachingTenantDirectory(inner, cache).find_api_key(HASHES[0]))
    await started.wait()
    db.api_keys["k"] = _key(HASHES[0], version=1)
    cache.api_key_changed(HASHES[0])
    release.set()
    assert await lookup == _key(HASHES[0])  # that request saw the old row, as it would without a cache
    assert cache.get(HASHES[0]) is None  # but nothing stale stays


class CacheAgainstTheDatabase(RuleBasedStateMachine):
    """The database holds a version per key; the cache must never answer an older version than the
    database's once the change was announced to a live listener, nor anything while not live."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.cache = ApiKeyCache(max_entries=3, ttl=5.0, monotonic=self.clock)
        self.database = dict.fromkeys(HASHES, 0)
        self.live = False
        self.in_flight: list[tuple[str, int, int | None]] = []  # (hash, version read, token)
        self.unheard: set[str] = set()  # changed while no listener was live (lost notifications)

    @rule(live=st.booleans())
    def listener(self, live: bool) -> None:
        self.live = live
        self.cache.listening_changed(live)
        self.unheard.clear()  # the cache emptied: whatever was missed is no longer in it

    @rule(key_hash=st.sampled_from([*HASHES, ALL_KEYS]))
    def change(self, key_hash: str) -> None:
        changed = HASHES if key_hash == ALL_KEYS else [key_hash]
        for each in changed:
            self.database[each] += 1
        if self.live:
            self.cache.api_key_changed(key_hash)
        else:
            self.unheard.update(changed)

    @rule(key_hash=st.sampled_from(HASHES))
    def start_lookup(self, key_hash: str) -> None:
        self.in_flight.append((key_hash, self.database[key_hash], self.cache.token()))

    @precondition(lambda self: self.in_flight)
    @rule(data=st.data())
    def finish_lookup(self, data: st.DataObject) -> None:
        key_hash, version, token = self.in_flight.pop(data.draw(st.integers(0, len(self.in_flight) - 1)))
        self.cache.put(_key(key_hash, version), token)

    @rule(seconds=st.floats(0, 3))
    def time_passes(self, seconds: float) -> None:
        self.clock.now += seconds

    @invariant()
    def never_stale_never_unlistened(self) -> None:
        for key_hash in HASHES:
            cached = self.cache._entries.get(key_hash)  # what get() would consider
            answer = self.cache.get(key_hash)
            if not self.live:
                assert answer is None
            if answer is not None and key_hash not in self.unheard:
                assert answer == _key(key_hash, self.database[key_hash])
            if cached is not None:
                assert cached.expires <= self.clock.now + 5.0
        assert len(self.cache) <= 3


CacheAgainstTheDatabase.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
test_cache_against_the_database = CacheAgainstTheDatabase.TestCase
