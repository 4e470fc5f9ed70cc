"""Object ids: prefix + 24 base62 characters, time-sortable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micropay.domain.model import ids

MILLIS = st.integers(min_value=0, max_value=62**8 - 1)
ENTROPY = st.integers(min_value=0, max_value=2**128)


def test_base62_is_in_ascii_order_so_strings_sort_like_numbers() -> None:
    assert list(ids.BASE62) == sorted(ids.BASE62)
    assert len(set(ids.BASE62)) == 62


@pytest.mark.parametrize(
    ("number", "width", "expected"), [(0, 3, "000"), (61, 2, "0z"), (62, 2, "10"), (62**2 - 1, 2, "zz")]
)
def test_encode_base62_is_fixed_width(number: int, width: int, expected: str) -> None:
    assert ids.encode_base62(number, width) == expected


def test_encode_base62_refuses_negative_numbers_and_overflow() -> None:
    with pytest.raises(ValueError, match="negative"):
        ids.encode_base62(-1, 4)
    with pytest.raises(ValueError, match="fit"):
        ids.encode_base62(62**2, 2)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([ids.INTENT_PREFIX, ids.ATTEMPT_PREFIX, ids.MERCHANT_PREFIX, ids.API_KEY_PREFIX]), MILLIS, ENTROPY
)
def test_made_ids_are_valid_for_their_prefix_only(prefix: str, millis: int, entropy: int) -> None:
    made = ids.make_id(prefix, millis=millis, entropy=entropy)
    assert ids.is_valid_id(made, prefix)
    assert len(made) == len(prefix) + 1 + ids.ID_BODY_LENGTH
    assert not ids.is_valid_id(made, "other")


@settings(max_examples=200, deadline=None)
@given(MILLIS, MILLIS, ENTROPY, ENTROPY)
def test_ids_sort_by_time(first: int, second: int, e1: int, e2: int) -> None:
    a = ids.make_id("pi", millis=first, entropy=e1)
    b = ids.make_id("pi", millis=second, entropy=e2)
    if first < second:
        assert a < b
    elif first > second:
        assert a > b


def test_entropy_wraps_into_the_random_part() -> None:
    assert ids.make_id("pi", millis=5, entropy=ids.RANDOM_SPACE + 7) == ids.make_id("pi", millis=5, entropy=7)


def test_millis_beyond_8_characters_are_refused() -> None:
    with pytest.raises(ValueError, match="fit"):
        ids.make_id("pi", millis=62**8, entropy=0)


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "pi",
        "pi_",
        "pi_" + "A" * 23,
        "pi_" + "A" * 25,
        "pi_" + "A" * 23 + "-",
        "pi_" + "A" * 23 + "é",
        "pa_" + "A" * 24,
        "pi-" + "A" * 24,
        "PI_" + "A" * 24,
    ],
)
def test_is_valid_id_refuses_malformed_values(value: object) -> None:
    assert not ids.is_valid_id(value, "pi")
