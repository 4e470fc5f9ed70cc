"""Our signing scheme against the independent ``standardwebhooks`` package, on arbitrary inputs."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from micropay.adapters.webhooks import standard_webhooks
from micropay.adapters.webhooks.standard_webhooks import encode_secret, signature
from micropay.domain.model.webhooks import SigningSecret

keys = st.binary(min_size=32, max_size=32)
bodies = st.text(max_size=300).map(str.encode)
ids = st.from_regex(r"evt_[0-9A-Za-z]{24}", fullmatch=True)


@given(key=keys, message_id=ids, body=bodies, timestamp=st.integers(0, 2**33))
def test_the_signature_is_the_one_standardwebhooks_computes(
    key: bytes, message_id: str, body: bytes, timestamp: int
) -> None:
    expected = Webhook(encode_secret(key)).sign(message_id, datetime.fromtimestamp(timestamp, tz=UTC), body.decode())
    assert signature(key, message_id, timestamp, body) == expected


@given(key=keys, other=keys, message_id=ids, body=bodies)
def test_headers_verify_with_standardwebhooks_for_each_live_secret(
    key: bytes, other: bytes, message_id: str, body: bytes
) -> None:
    now = int(time.time())
    secrets = (SigningSecret(key=key), SigningSecret(key=other, expires_at=now + 60))
    headers = standard_webhooks.headers(secrets, message_id, now, body)
    assert set(headers) == {"content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature"}
    for secret in (key, other):
        assert Webhook(encode_secret(secret)).verify(body, headers, json_parse=False) is None


def test_no_live_secret_is_a_bug() -> None:
    with pytest.raises(ValueError):
        standard_webhooks.signature_header((SigningSecret(key=b"k" * 32, expires_at=1),), "evt_1", 2, b"{}")
