from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micropay.adapters.system import SecureIdGenerator
from micropay.domain.model.ids import BASE62, INTENT_PREFIX, is_valid_id
from micropay.ports.id_generator import IdGenerator

_: IdGenerator = SecureIdGenerator()


@pytest.mark.parametrize("prefix", ["pi", "pa", "acct", "key", "req"])
def test_ids_are_valid_for_their_prefix(prefix: str) -> None:
    assert is_valid_id(SecureIdGenerator().new_id(prefix), prefix)


def test_ids_are_unique_and_their_random_part_uses_the_whole_alphabet() -> None:
    generator = SecureIdGenerator(time_ns=lambda: 1_767_225_600_000_000_000)  # all in one millisecond
    ids = [generator.new_id(INTENT_PREFIX) for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert len({i[:11] for i in ids}) == 1  # prefix + time part
    random_chars = Counter("".join(i[11:] for i in ids))
    assert set(random_chars) == set(BASE62)  # 80,000 draws: each character ~1,290 times


@given(st.lists(st.integers(min_value=0, max_value=2**62), min_size=2, max_size=30, unique_by=lambda ns: ns // 10**6))
def test_ids_sort_by_the_millisecond_they_were_made_in(times_ns: list[int]) -> None:
    ordered = sorted(times_ns)
    clock = iter(ordered)
    generator = SecureIdGenerator(time_ns=lambda: next(clock))
    ids = [generator.new_id(INTENT_PREFIX) for _ in ordered]
    assert sorted(ids) == ids


def test_the_default_time_source_is_the_wall_clock() -> None:
    earlier = SecureIdGenerator(time_ns=lambda: 0).new_id("pi")
    now = SecureIdGenerator().new_id("pi")
    later = SecureIdGenerator(time_ns=lambda: 4_102_444_800_000_000_000).new_id("pi")  # 2100-01-01
    assert earlier < now < later


@pytest.mark.parametrize("length", [0, 1, 24, 64])
def test_secrets_have_the_asked_length_in_base62(length: int) -> None:
    secret = SecureIdGenerator().new_secret(length)
    assert len(secret) == length
    assert set(secret) <= set(BASE62)


def test_secrets_are_unique_and_spread_over_the_alphabet() -> None:
    generator = SecureIdGenerator()
    secrets = [generator.new_secret(32) for _ in range(2000)]
    assert len(set(secrets)) == len(secrets)
    assert set("".join(secrets)) == set(BASE62)


def test_a_negative_secret_length_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        SecureIdGenerator().new_secret(-1)
