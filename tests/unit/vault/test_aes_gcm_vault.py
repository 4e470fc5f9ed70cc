from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micropay.adapters.vault import AesGcmVault, MasterKey, MasterKeys
from micropay.ports.credential_vault import CredentialVault, Sealed, VaultError

from .strategies import key_material, new_key, vault_with

AAD = b"acct_0001AbCdEfGhIjKlMnOpQrSt:sandbox"
_: CredentialVault = vault_with(new_key())


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@settings(deadline=None)
@given(key=key_material, plaintext=st.binary(max_size=2048), aad=st.binary(max_size=128))
def test_what_is_sealed_opens_to_the_same_bytes(key: bytes, plaintext: bytes, aad: bytes) -> None:
    vault = vault_with(MasterKey(key))
    assert vault.open(vault.seal(plaintext, aad), aad) == plaintext


def test_a_sealed_blob_is_ciphertext_plus_tag_under_a_96_bit_nonce_and_the_current_key() -> None:
    current = new_key()
    vault = vault_with(current, new_key())
    sealed = vault.seal(b"x" * 100, AAD)
    assert len(base64.b64decode(sealed.iv)) == 12
    assert len(base64.b64decode(sealed.encrypted_blob)) == 100 + 16
    assert b"x" * 8 not in base64.b64decode(sealed.encrypted_blob)
    assert sealed.key_id == current.key_id == vault.current_key_id


def test_the_same_plaintext_seals_to_different_blobs_and_ivs() -> None:
    vault = vault_with(new_key())
    seals = [vault.seal(b"same plaintext", AAD) for _ in range(50)]
    assert len({s.iv for s in seals}) == 50
    assert len({s.encrypted_blob for s in seals}) == 50
    assert all(vault.open(s, AAD) == b"same plaintext" for s in seals)


@settings(deadline=None)
@given(
    plaintext=st.binary(max_size=300),
    target=st.sampled_from(["encrypted_blob", "iv", "associated_data"]),
    position=st.integers(min_value=0),
    mask=st.integers(min_value=1, max_value=255),
)
def test_changing_any_single_byte_of_blob_iv_or_associated_data_fails(
    plaintext: bytes, target: str, position: int, mask: int
) -> None:
    vault = vault_with(new_key())
    sealed = vault.seal(plaintext, AAD)
    blob, iv, aad = (
        bytearray(base64.b64decode(sealed.encrypted_blob)),
        bytearray(base64.b64decode(sealed.iv)),
        bytearray(AAD),
    )
    victim = {"encrypted_blob": blob, "iv": iv, "associated_data": aad}[target]
    victim[position % len(victim)] ^= mask
    tampered = Sealed(encrypted_blob=_b64(bytes(blob)), iv=_b64(bytes(iv)), key_id=sealed.key_id)
    with pytest.raises(VaultError, match="failed authentication"):
        vault.open(tampered, bytes(aad))


@settings(deadline=None)
@given(
    field=st.sampled_from(["encrypted_blob", "iv"]),
    position=st.integers(min_value=0),
    replacement=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .!"),
)
def test_changing_any_character_of_the_stored_base64_fails(field: str, position: int, replacement: str) -> None:
    vault = vault_with(new_key())
    sealed = vault.seal(b"some credentials", AAD)
    text = getattr(sealed, field)
    index = position % len(text)
    if text[index] == replacement:
        return
    changed = text[:index] + replacement + text[index + 1 :]
    fields = {"encrypted_blob": sealed.encrypted_blob, "iv": sealed.iv, field: changed}
    with pytest.raises(VaultError):
        vault.open(Sealed(key_id=sealed.key_id, **fields), AAD)


@pytest.mark.parametrize(
    ("blob", "iv", "message"),
    [
        ("not base64!", None, "encrypted_blob is not valid base64"),
        (None, "AAAA", "iv must be 12 bytes"),
        (None, "", "iv must be 12 bytes"),
        ("", None, "shorter than an authentication tag"),
        (_b64(b"\x00" * 15), None, "shorter than an authentication tag"),
        (None, "AAAAAAAAAAAAAAAA\n", "iv is not valid base64"),
    ],
)
def test_malformed_stored_fields_fail_with_a_vault_error(blob: str | None, iv: str | None, message: str) -> None:
    vault = vault_with(new_key())
    sealed = vault.seal(b"payload", AAD)
    broken = Sealed(
        encrypted_blob=sealed.encrypted_blob if blob is None else blob,
        iv=sealed.iv if iv is None else iv,
        key_id=sealed.key_id,
    )
    with pytest.raises(VaultError, match=message):
        vault.open(broken, AAD)


def test_a_non_canonical_base64_blob_is_refused_even_though_it_decodes_to_the_same_bytes() -> None:
    vault = vault_with(new_key())
    sealed = vault.seal(b"payload", AAD)  # 7 + 16 = 23 bytes: the last base64 digit has 2 spare bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    text = sealed.encrypted_blob
    assert text.endswith("=")
    assert not text.endswith("==")
    spare_bits_set = alphabet[alphabet.index(text[-2]) | 0b11]
    variant = text[:-2] + spare_bits_set + "="
    assert variant != text
    assert base64.b64decode(variant) == base64.b64decode(text)
    with pytest.raises(VaultError, match="not canonical base64"):
        vault.open(Sealed(encrypted_blob=variant, iv=sealed.iv, key_id=sealed.key_id), AAD)


def test_an_unknown_key_id_fails_and_says_which_key_to_list() -> None:
    sealed = vault_with(new_key()).seal(b"payload", AAD)
    other = vault_with(new_key())
    with pytest.raises(VaultError, match="MICROPAY_VAULT_OLD_KEYS") as caught:
        other.open(sealed, AAD)
    assert sealed.key_id in str(caught.value)


def test_a_blob_relabelled_with_another_configured_key_id_fails() -> None:
    first, second = new_key(), new_key()
    sealed = vault_with(first).seal(b"payload", AAD)
    vault = vault_with(second, first)
    relabelled = Sealed(encrypted_blob=sealed.encrypted_blob, iv=sealed.iv, key_id=second.key_id)
    with pytest.raises(VaultError, match="failed authentication"):
        vault.open(relabelled, AAD)


def test_old_key_blobs_open_while_the_old_key_is_listed_and_fail_once_it_is_removed() -> None:
    old, new = new_key(), new_key()
    sealed_under_old = vault_with(old).seal(b"before rotation", AAD)

    during = vault_with(new, old)
    assert during.open(sealed_under_old, AAD) == b"before rotation"
    assert during.needs_rotation(sealed_under_old)

    resealed = during.seal(during.open(sealed_under_old, AAD), AAD)
    assert resealed.key_id == new.key_id
    assert not during.needs_rotation(resealed)

    after = vault_with(new)
    assert after.open(resealed, AAD) == b"before rotation"
    with pytest.raises(VaultError):
        after.open(sealed_under_old, AAD)


def test_needs_rotation_is_false_only_for_the_current_key() -> None:
    old, new = new_key(), new_key()
    vault = vault_with(new, old)
    assert not vault.needs_rotation(vault.seal(b"a", AAD))
    assert vault.needs_rotation(vault_with(old).seal(b"a", AAD))
    assert vault.needs_rotation(Sealed(encrypted_blob="", iv="", key_id="k_unknown"))


def test_listing_the_current_key_among_the_old_keys_changes_nothing() -> None:
    key = new_key()
    vault = AesGcmVault(MasterKeys(key, (key,)))
    sealed = vault.seal(b"a", AAD)
    assert sealed.key_id == key.key_id
    assert vault.open(sealed, AAD) == b"a"
