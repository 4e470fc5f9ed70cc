"""Acceptance: the stored format is plain AES-256-GCM that any independent implementation can read.

PyCryptodome (not ``cryptography``) decrypts what the vault sealed, given only the configured master key,
the stored iv and blob, and the associated data ``"{merchant_id}:{environment}"``; and the vault opens
what PyCryptodome sealed.
"""

from __future__ import annotations

import base64
import json
import os

import pytest
from Crypto.Cipher import AES

from micropay.adapters.vault import AesGcmVault, load_master_keys
from micropay.domain.model.environment import Environment
from micropay.domain.use_cases.credentials import open_credentials, seal_credentials
from micropay.ports.credential_vault import Sealed

from .strategies import SAMPLE, SAMPLE_MERCHANT

CONFIGURED_KEY = base64.b64encode(os.urandom(32)).decode()  # what an operator puts in MICROPAY_VAULT_KEY


def _pycryptodome_open(key: bytes, iv: bytes, blob: bytes, aad: bytes) -> bytes:
    cipher = AES.new(key, AES.MODE_GCM, nonce=iv)
    cipher.update(aad)
    return cipher.decrypt_and_verify(blob[:-16], blob[-16:])


def test_pycryptodome_decrypts_a_sealed_blob_to_the_credentials_json() -> None:
    vault = AesGcmVault(load_master_keys(CONFIGURED_KEY, None))
    sealed = seal_credentials(vault, SAMPLE, SAMPLE_MERCHANT, Environment.PRODUCTION)

    plaintext = _pycryptodome_open(
        base64.b64decode(CONFIGURED_KEY),
        base64.b64decode(sealed.iv),
        base64.b64decode(sealed.encrypted_blob),
        f"{SAMPLE_MERCHANT}:production".encode(),
    )

    assert json.loads(plaintext) == {
        "consumer_key": SAMPLE.consumer_key,
        "consumer_secret": SAMPLE.consumer_secret,
        "business_short_code": "174379",
        "passkey": SAMPLE.passkey,
        "transaction_type": "CustomerPayBillOnline",
        "party_b": None,
    }


@pytest.mark.parametrize("aad", [f"{SAMPLE_MERCHANT}:sandbox", "acct_other:production", ""])
def test_pycryptodome_refuses_the_blob_under_other_associated_data(aad: str) -> None:
    vault = AesGcmVault(load_master_keys(CONFIGURED_KEY, None))
    sealed = seal_credentials(vault, SAMPLE, SAMPLE_MERCHANT, Environment.PRODUCTION)
    with pytest.raises(ValueError, match="MAC check failed"):
        _pycryptodome_open(
            base64.b64decode(CONFIGURED_KEY),
            base64.b64decode(sealed.iv),
            base64.b64decode(sealed.encrypted_blob),
            aad.encode(),
        )


def test_the_vault_opens_what_pycryptodome_sealed() -> None:
    keys = load_master_keys(CONFIGURED_KEY, None)
    nonce = os.urandom(12)
    cipher = AES.new(base64.b64decode(CONFIGURED_KEY), AES.MODE_GCM, nonce=nonce)
    cipher.update(f"{SAMPLE_MERCHANT}:sandbox".encode())
    document = json.dumps(
        {
            "consumer_key": "ck-from-elsewhere",
            "consumer_secret": "cs",
            "business_short_code": "600123",
            "passkey": "pk",
            "transaction_type": "CustomerBuyGoodsOnline",
            "party_b": "7654321",
        }
    ).encode()
    ciphertext, tag = cipher.encrypt_and_digest(document)
    sealed = Sealed(
        encrypted_blob=base64.b64encode(ciphertext + tag).decode(),
        iv=base64.b64encode(nonce).decode(),
        key_id=keys.current.key_id,
    )
    opened = open_credentials(AesGcmVault(keys), sealed, SAMPLE_MERCHANT, Environment.SANDBOX)
    assert (opened.consumer_key, opened.party_b) == ("ck-from-elsewhere", "7654321")
