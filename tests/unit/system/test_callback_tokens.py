from __future__ import annotations

import hashlib
import math

import pytest

from micropay.adapters.system import Sha256CallbackTokenIssuer
from micropay.adapters.system.callback_tokens import TOKEN_LENGTH
from micropay.domain.model.ids import BASE62
from micropay.ports.callback_tokens import CallbackTokenIssuer

_: CallbackTokenIssuer = Sha256CallbackTokenIssuer("http://127.0.0.1:8000")


def test_a_token_is_32_base62_characters_worth_well_over_128_bits() -> None:
    token = Sha256CallbackTokenIssuer("http://127.0.0.1:8000").issue().token
    assert len(token) == TOKEN_LENGTH == 32
    assert set(token) <= set(BASE62)
    assert len(token) * math.log2(len(BASE62)) >= 190


def test_tokens_are_unique_and_spread_over_the_alphabet() -> None:
    issuer = Sha256CallbackTokenIssuer("http://127.0.0.1:8000")
    tokens = [issuer.issue().token for _ in range(3000)]
    assert len(set(tokens)) == len(tokens)
    assert set("".join(tokens)) == set(BASE62)


def test_the_stored_hash_is_the_sha256_hex_of_the_token_and_the_hint_its_first_six_characters() -> None:
    issuer = Sha256CallbackTokenIssuer("http://127.0.0.1:8000")
    issued = issuer.issue()
    assert issued.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issuer.hash(issued.token) == issued.token_hash
    assert issuer.hash(issued.token + "x") != issued.token_hash
    assert issued.hint == issued.token[:6]
    assert issued.token not in repr(issuer)


@pytest.mark.parametrize(
    ("public_url", "base"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://pay.example.com/", "https://pay.example.com"),
        ("https://example.com/micropay//", "https://example.com/micropay"),
    ],
)
def test_the_callback_url_is_the_public_url_plus_the_webhook_path(public_url: str, base: str) -> None:
    issued = Sha256CallbackTokenIssuer(public_url).issue()
    assert issued.callback_url == f"{base}/webhooks/mpesa/{issued.token}"


@pytest.mark.parametrize("public_url", ["", "127.0.0.1:8000", "ftp://example.com"])
def test_a_public_url_that_is_not_http_is_refused(public_url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        Sha256CallbackTokenIssuer(public_url)
