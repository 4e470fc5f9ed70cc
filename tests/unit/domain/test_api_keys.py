"""API keys: shape, hashing, display prefix, activity and the roll overlap."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.api_keys import (
    MAX_ROLL_OVERLAP_SECONDS,
    ApiKey,
    KeyType,
    ParsedKey,
    display_prefix,
    format_key,
    hash_key,
    parse_key,
    roll_expiry,
)
from micropay.domain.model.environment import Environment
from micropay.domain.model.ids import BASE62

BODY = st.text(alphabet=BASE62, min_size=32, max_size=32)
BODY_32 = "0123456789abcdefghijABCDEFGHIJxy"


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(KeyType), st.sampled_from(Environment), BODY)
def test_formatted_keys_parse_back_to_their_type_and_environment(kind: KeyType, env: Environment, body: str) -> None:
    raw = format_key(kind, env, body)
    assert parse_key(raw) == ParsedKey(type=kind, environment=env)
    assert raw.endswith(body)


@pytest.mark.parametrize(
    ("raw", "kind", "env"),
    [
        ("sk_test_" + BODY_32, KeyType.SECRET, Environment.SANDBOX),
        ("sk_live_" + BODY_32, KeyType.SECRET, Environment.PRODUCTION),
        ("pk_test_" + BODY_32, KeyType.PUBLISHABLE, Environment.SANDBOX),
        ("pk_live_" + BODY_32, KeyType.PUBLISHABLE, Environment.PRODUCTION),
    ],
)
def test_the_four_key_kinds(raw: str, kind: KeyType, env: Environment) -> None:
    assert parse_key(raw) == ParsedKey(type=kind, environment=env)
    assert format_key(kind, env, BODY_32) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "sk_test_" + BODY_32[:-1],
        "sk_test_" + BODY_32 + "x",
        "sk_prod_" + BODY_32,
        "rk_test_" + BODY_32,
        "SK_TEST_" + BODY_32,
        "sk_test_" + BODY_32[:-1] + "-",
        "sk_test_" + BODY_32[:-1] + "é",
        " sk_test_" + BODY_32,
        "Bearer sk_test_" + BODY_32,
    ],
)
def test_anything_else_is_not_a_key(raw: str) -> None:
    assert parse_key(raw) is None


@pytest.mark.parametrize("body", ["", "short", BODY_32 + "x"])
def test_format_key_needs_a_32_character_body(body: str) -> None:
    with pytest.raises(ValueError, match="32"):
        format_key(KeyType.SECRET, Environment.SANDBOX, body)


def test_keys_are_stored_as_sha256_hex_and_shown_by_a_12_character_prefix() -> None:
    raw = "sk_live_" + BODY_32
    assert hash_key(raw) == hashlib.sha256(raw.encode()).hexdigest()
    assert hash_key(raw) != hash_key("sk_test_" + BODY_32)
    assert display_prefix(raw) == "sk_live_0123"


def test_key_type_prefixes() -> None:
    assert (KeyType.SECRET.prefix, KeyType.PUBLISHABLE.prefix) == ("sk", "pk")


def _key(expires_at: int | None = None, revoked_at: int | None = None) -> ApiKey:
    return ApiKey(
        id="key_1",
        merchant_id="acct_1",
        environment=Environment.SANDBOX,
        type=KeyType.SECRET,
        key_hash="h",
        display_prefix="sk_test_0123",
        created=0,
        expires_at=expires_at,
        revoked_at=revoked_at,
    )


def test_a_key_without_expiry_or_revocation_is_active() -> None:
    assert _key().is_active(10**10)


def test_a_key_stops_working_at_its_expiry() -> None:
    key = _key(expires_at=100)
    assert key.is_active(99.9)
    assert not key.is_active(100)


def test_a_key_stops_working_at_its_revocation() -> None:
    key = _key(revoked_at=100)
    assert key.is_active(99)
    assert not key.is_active(100)
    assert not _key(expires_at=1000, revoked_at=100).is_active(500)


def test_roll_expiry_without_overlap_is_now() -> None:
    assert roll_expiry(None, 1000) == 1000


@pytest.mark.parametrize("overlap", [0, 1, 3600, MAX_ROLL_OVERLAP_SECONDS])
def test_roll_expiry_allows_an_overlap_of_at_most_7_days(overlap: int) -> None:
    assert roll_expiry(overlap, 1000) == 1000 + overlap


@pytest.mark.parametrize("overlap", [-1, MAX_ROLL_OVERLAP_SECONDS + 1, True, False, 1.0, "60", [60]])
def test_roll_expiry_refuses_anything_else(overlap: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        roll_expiry(overlap, 1000)
    assert (raised.value.param, raised.value.code) == ("expires_in", "parameter_invalid")
