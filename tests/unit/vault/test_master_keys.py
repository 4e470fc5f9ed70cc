from __future__ import annotations

import base64
import copy
import os
import pickle
import re

import pytest

from micropay.adapters.vault import MasterKey, MasterKeys, VaultKeyInvalid, derive_key_id, load_master_keys
from micropay.domain.errors import MicropayError

from .strategies import key_forms

RAW = os.urandom(32)
STANDARD = base64.b64encode(RAW).decode()
HOW_TO = 'python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"'


def _key(raw: bytes = RAW) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "text",
    [
        STANDARD,
        f"  {STANDARD}\n",
        STANDARD.rstrip("="),
        base64.urlsafe_b64encode(RAW).decode(),
        base64.urlsafe_b64encode(RAW).decode().rstrip("="),
    ],
    # the keys are random: ids that are not, so that every pytest-xdist worker collects the same tests
    ids=["standard", "surrounded-by-whitespace", "unpadded", "urlsafe", "urlsafe-unpadded"],
)
def test_a_32_byte_key_in_standard_or_urlsafe_base64_is_accepted(text: str) -> None:
    keys = load_master_keys(text, None)
    assert keys.current.material == RAW
    assert keys.old == ()


def test_the_key_id_names_the_key_without_revealing_it() -> None:
    key = MasterKey(RAW)
    assert re.fullmatch(r"k_[0-9a-f]{12}", key.key_id)
    assert key.key_id == derive_key_id(RAW) == MasterKey(bytes(RAW)).key_id
    assert key.key_id != MasterKey(os.urandom(32)).key_id
    assert key.key_id[2:] not in RAW.hex()
    assert key.key_id[2:] not in STANDARD


@pytest.mark.parametrize(
    ("current", "problem"),
    [
        (None, "MICROPAY_VAULT_KEY is not set"),
        ("", "MICROPAY_VAULT_KEY is not set"),
        ("  \n", "MICROPAY_VAULT_KEY is not set"),
        (_key(os.urandom(16)), "decodes to 16 bytes; a master key must be exactly 32 bytes"),
        (_key(os.urandom(31)), "decodes to 31 bytes"),
        (_key(os.urandom(33)), "decodes to 33 bytes"),
        (_key(os.urandom(64)), "decodes to 64 bytes"),
        (RAW.hex(), "decodes to 48 bytes"),
        ("my-vault-password!!", "is not valid base64"),
        ("secret key with spaces inside=====", "is not valid base64"),
        ("Zm9v-YmFy+YmF6Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmE=", "mixes the standard and URL-safe"),
        ("é" * 44, "is not valid base64"),
    ],
    # the random keys' ids would differ between pytest-xdist workers: the problem names each case
    ids=lambda value: (
        value if isinstance(value, str) and value.startswith(("decodes", "is not", "mixes", "MICRO")) else "-"
    ),
)
def test_a_missing_or_malformed_key_fails_loudly_without_echoing_it(current: str | None, problem: str) -> None:
    with pytest.raises(VaultKeyInvalid) as caught:
        load_master_keys(current, None)
    message = str(caught.value)
    assert problem in message
    assert HOW_TO in message
    assert isinstance(caught.value, MicropayError)
    assert caught.value.code == "vault_key_invalid"
    if current and current.strip():
        assert current.strip() not in message
        assert current.strip()[:12] not in message


def test_old_keys_are_comma_separated_in_any_accepted_form() -> None:
    old1, old2 = os.urandom(32), os.urandom(32)
    text = f" {_key(old1)} ,{base64.urlsafe_b64encode(old2).decode().rstrip('=')},"
    keys = load_master_keys(STANDARD, text)
    assert [k.material for k in keys.old] == [old1, old2]
    assert keys.key_ids == (derive_key_id(RAW), derive_key_id(old1), derive_key_id(old2))
    assert keys.by_id(derive_key_id(old2)) == MasterKey(old2)
    assert keys.by_id("k_000000000000") is None


def test_old_keys_repeating_the_current_key_or_each_other_are_dropped() -> None:
    old = os.urandom(32)
    keys = load_master_keys(STANDARD, f"{_key(old)},{STANDARD},{_key(old)}")
    assert [k.material for k in keys.old] == [old]
    assert [k.material for k in keys] == [RAW, old]


@pytest.mark.parametrize("old", [None, "", "  ", ","])
def test_no_old_keys(old: str | None) -> None:
    assert load_master_keys(STANDARD, old).old == ()


def test_a_malformed_old_key_names_its_position_without_echoing_it() -> None:
    short = _key(os.urandom(20))
    with pytest.raises(VaultKeyInvalid) as caught:
        load_master_keys(STANDARD, f"{_key(os.urandom(32))},{short}")
    message = str(caught.value)
    assert "MICROPAY_VAULT_OLD_KEYS (entry 2) decodes to 20 bytes" in message
    assert short not in message
    assert STANDARD not in message


def test_a_master_key_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(VaultKeyInvalid, match="exactly 32 bytes"):
        MasterKey(b"\x00" * 16)


def test_reprs_show_key_ids_only() -> None:
    old = MasterKey(os.urandom(32))
    keys = MasterKeys(MasterKey(RAW), (old,))
    shown = " ".join([repr(keys), str(keys), repr(keys.current), str(keys.current), repr(old), repr(list(keys))])
    assert keys.current.key_id in shown
    assert old.key_id in shown
    for key in (keys.current, old):
        for form in key_forms(key):
            assert form not in shown


def test_keys_cannot_be_pickled_or_copied_into_somewhere_unexpected() -> None:
    keys = load_master_keys(STANDARD, None)
    for thing in (keys, keys.current):
        with pytest.raises(TypeError):
            pickle.dumps(thing)
        with pytest.raises(TypeError):
            copy.copy(thing)


def test_keys_compare_by_content() -> None:
    assert MasterKey(RAW) == MasterKey(bytes(RAW))
    assert MasterKey(RAW) != MasterKey(os.urandom(32))
    assert len({MasterKey(RAW), MasterKey(bytes(RAW))}) == 1
