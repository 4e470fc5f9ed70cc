"""No consumer secret, passkey or master key in any repr, str, exception message, traceback or log line."""

from __future__ import annotations

import base64
import logging
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from micropay.adapters.vault import (
    AesGcmVault,
    MasterKey,
    MasterKeys,
    ensure_local_key_file,
    load_master_keys,
)
from micropay.domain.errors import MicropayError
from micropay.domain.model.environment import Environment
from micropay.domain.use_cases.credentials import open_credentials, seal_credentials
from micropay.ports.credential_vault import Sealed

from .strategies import SAMPLE, SAMPLE_MERCHANT, key_forms, new_key

CURRENT, OLD, FOREIGN = new_key(), new_key(), new_key()
KEYS = MasterKeys(CURRENT, (OLD,))


def _secrets() -> list[str]:
    forms = [SAMPLE.consumer_secret, SAMPLE.passkey, SAMPLE.consumer_key]
    for key in (CURRENT, OLD, FOREIGN):
        forms.extend(key_forms(key))
    return forms


def _assert_clean(text: str) -> None:
    for secret in _secrets():
        assert secret not in text


def _failures() -> list[Callable[[], object]]:
    vault = AesGcmVault(KEYS)
    sealed = seal_credentials(vault, SAMPLE, SAMPLE_MERCHANT, Environment.SANDBOX)
    foreign = seal_credentials(AesGcmVault(MasterKeys(FOREIGN)), SAMPLE, SAMPLE_MERCHANT, Environment.SANDBOX)
    relabelled = Sealed(encrypted_blob=foreign.encrypted_blob, iv=foreign.iv, key_id=CURRENT.key_id)
    mangled = Sealed(encrypted_blob=sealed.encrypted_blob[:-4] + "AAA=", iv=sealed.iv, key_id=sealed.key_id)
    short_key = base64.b64encode(CURRENT.material[:20]).decode()
    return [
        lambda: open_credentials(vault, sealed, SAMPLE_MERCHANT, Environment.PRODUCTION),
        lambda: open_credentials(vault, foreign, SAMPLE_MERCHANT, Environment.SANDBOX),
        lambda: open_credentials(vault, relabelled, SAMPLE_MERCHANT, Environment.SANDBOX),
        lambda: open_credentials(vault, mangled, SAMPLE_MERCHANT, Environment.SANDBOX),
        lambda: vault.open(Sealed(encrypted_blob="%%%", iv=sealed.iv, key_id=sealed.key_id), b""),
        lambda: load_master_keys(short_key, None),
        lambda: load_master_keys(CURRENT.to_base64() + "!", None),
        lambda: load_master_keys(CURRENT.to_base64(), f"{OLD.to_base64()},{short_key}"),
        lambda: MasterKey(CURRENT.material + b"\x00"),
    ]


def test_reprs_and_strs_show_no_secret() -> None:
    vault = AesGcmVault(KEYS)
    sealed = seal_credentials(vault, SAMPLE, SAMPLE_MERCHANT, Environment.SANDBOX)
    opened = open_credentials(vault, sealed, SAMPLE_MERCHANT, Environment.SANDBOX)
    for thing in (vault, KEYS, CURRENT, OLD, list(KEYS), sealed, opened, SAMPLE):
        _assert_clean(repr(thing))
        _assert_clean(str(thing))


def test_failures_say_nothing_secret_in_message_or_traceback() -> None:
    for action in _failures():
        with pytest.raises(MicropayError) as caught:
            action()
        _assert_clean(str(caught.value))
        _assert_clean(repr(caught.value))
        _assert_clean("".join(traceback.format_exception(caught.value)))


def test_key_file_errors_say_nothing_secret(tmp_path: Path) -> None:
    path = tmp_path / "vault.key"
    path.write_text(CURRENT.to_base64()[:-8] + "\n")
    path.chmod(0o644)
    with pytest.raises(MicropayError) as caught:
        ensure_local_key_file(path)
    _assert_clean(str(caught.value))
    path.chmod(0o600)
    with pytest.raises(MicropayError) as caught:
        ensure_local_key_file(path)
    _assert_clean(str(caught.value))
    assert CURRENT.to_base64()[:-8] not in str(caught.value)


def test_nothing_secret_is_logged_while_sealing_opening_and_failing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    vault = AesGcmVault(load_master_keys(CURRENT.to_base64(), OLD.to_base64()))
    sealed = seal_credentials(vault, SAMPLE, SAMPLE_MERCHANT, Environment.SANDBOX)
    assert open_credentials(vault, sealed, SAMPLE_MERCHANT, Environment.SANDBOX) == SAMPLE
    for action in _failures():
        with pytest.raises(MicropayError):
            action()
    logged = caplog.text + " ".join(str(record.args) for record in caplog.records)
    _assert_clean(logged)
