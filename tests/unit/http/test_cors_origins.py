"""MICROPAY_CORS_ORIGINS: a comma-separated list of origins; anything else stops the service at start-up."""

from __future__ import annotations

import pytest

from micropay.entrypoints.http.cors import PUBLIC_PATH, parse_origins
from micropay.entrypoints.settings import SettingsError


def test_origins_are_split_trimmed_and_compared_exactly() -> None:
    assert parse_origins("") == frozenset()
    assert parse_origins(" https://a.example ,http://localhost:5173/,") == {
        "https://a.example",
        "http://localhost:5173",
    }


@pytest.mark.parametrize("bad", ["*", "a.example", "https://a.example/path", "ftp://a.example", "https://"])
def test_what_is_not_an_origin_is_refused_naming_the_setting(bad: str) -> None:
    with pytest.raises(SettingsError, match="MICROPAY_CORS_ORIGINS"):
        parse_origins(f"https://ok.example,{bad}")


@pytest.mark.parametrize(
    ("path", "public"),
    [
        ("/v1/payment_intents/pi_1", True),
        ("/v1/payment_intents/pi_1/confirm", True),
        ("/v1/payment_intents/pi_1/wait", True),
        ("/v1/payment_intents/pi_1/stream", True),
        ("/v1/payment_intents", False),
        ("/v1/payment_intents/pi_1/cancel", False),
        ("/v1/payment_intents/pi_1/attempts", False),
        ("/v1/payment_intents/pi_1/confirm/x", False),
        ("/v1/events/stream", False),
    ],
)
def test_only_the_publishable_key_routes_are_public(path: str, public: bool) -> None:
    assert bool(PUBLIC_PATH.match(path)) is public
