"""``webhooks.verify`` against the reference Standard Webhooks implementation (PyPI ``standardwebhooks``).

Whatever the body, secret, id and timestamp, a message signed by the reference verifies, and one with a
changed body, id, timestamp, signature or secret does not; timestamps outside the tolerance are refused.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from micropay_sdk import Event, WebhookVerificationError, webhooks
from standardwebhooks.webhooks import Webhook

from tests.sdk.double import intent_body

NOW = 1_764_000_000
secrets = st.binary(min_size=1, max_size=64).map(lambda raw: "whsec_" + base64.b64encode(raw).decode())
message_ids = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=40).map(
    lambda s: "evt_" + s
)
bodies = st.text(max_size=400).map(str.encode)  # the reference signs text: any UTF-8 body
offsets = st.integers(-300, 300)


def signed(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Headers as the reference implementation signs them."""
    when = datetime.fromtimestamp(timestamp, tz=UTC)
    signature = Webhook(secret).sign(message_id, when, body.decode())
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


@given(secret=secrets, message_id=message_ids, body=bodies, offset=offsets)
def test_a_reference_signed_message_verifies(secret: str, message_id: str, body: bytes, offset: int) -> None:
    headers = signed(secret, message_id, NOW + offset, body)

    webhooks.verify_signature(body, headers, secret, now=NOW)


@given(secret=secrets, message_id=message_ids, body=bodies)
def test_what_we_sign_the_reference_verifies(secret: str, message_id: str, body: bytes) -> None:
    now = int(datetime.now(tz=UTC).timestamp())
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(now),
        "webhook-signature": "v1," + webhooks.sign(body, message_id, now, secret),
    }

    assert Webhook(secret).verify(body, headers, json_parse=False) is None  # raises if it does not verify


@given(secret=secrets, message_id=message_ids, body=bodies, offset=offsets, data=st.data())
def test_a_tampered_message_does_not_verify(
    secret: str, message_id: str, body: bytes, offset: int, data: st.DataObject
) -> None:
    headers = signed(secret, message_id, NOW + offset, body)
    tamper = data.draw(st.sampled_from(["body", "id", "timestamp", "signature", "secret"]))
    if tamper == "body":
        body = body + data.draw(st.binary(min_size=1, max_size=8))
    elif tamper == "id":
        headers["webhook-id"] = message_id + "x"
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(NOW + offset + data.draw(st.sampled_from([-1, 1])))
    elif tamper == "signature":
        raw = bytearray(base64.b64decode(headers["webhook-signature"].split(",", 1)[1]))
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        headers["webhook-signature"] = "v1," + base64.b64encode(bytes(raw)).decode()
    else:
        secret = "whsec_" + base64.b64encode(base64.b64decode(secret[6:]) + b"!").decode()

    with pytest.raises(WebhookVerificationError):
        webhooks.verify_signature(body, headers, secret, now=NOW)


@given(secret=secrets, body=bodies, age=st.integers(301, 10**6), sign=st.sampled_from([-1, 1]))
def test_a_timestamp_outside_the_tolerance_is_refused(secret: str, body: bytes, age: int, sign: int) -> None:
    headers = signed(secret, "evt_1", NOW + sign * age, body)

    with pytest.raises(WebhookVerificationError, match="timestamp"):
        webhooks.verify_signature(body, headers, secret, now=NOW)


def test_our_signature_is_the_references_and_the_reference_accepts_it() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    body = b'{"id": "evt_1"}'
    ours = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(NOW),
        "webhook-signature": "v1," + webhooks.sign(body, "evt_1", NOW, secret),
    }

    assert ours == signed(secret, "evt_1", NOW, body)
    now = int(datetime.now(tz=UTC).timestamp())
    fresh = {
        **ours,
        "webhook-timestamp": str(now),
        "webhook-signature": "v1," + webhooks.sign(body, "evt_1", now, secret),
    }
    assert Webhook(secret).verify(body, fresh) == {"id": "evt_1"}


def test_any_of_several_signatures_may_match_during_a_rotation() -> None:
    old = "whsec_" + base64.b64encode(b"o" * 32).decode()
    new = "whsec_" + base64.b64encode(b"n" * 32).decode()
    body = b"{}"
    both = f"v1,{webhooks.sign(body, 'evt_1', NOW, new)} v1,{webhooks.sign(body, 'evt_1', NOW, old)}"
    headers = {"Webhook-Id": "evt_1", "Webhook-Timestamp": str(NOW), "Webhook-Signature": both}

    webhooks.verify_signature(body, headers, old, now=NOW)
    webhooks.verify_signature(body, headers, new, now=NOW)
    with pytest.raises(WebhookVerificationError):
        webhooks.verify_signature(body, headers, "whsec_" + base64.b64encode(b"x" * 32).decode(), now=NOW)


def test_other_signature_versions_are_ignored() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    good = webhooks.sign(b"{}", "evt_1", NOW, secret)
    headers = {"webhook-id": "evt_1", "webhook-timestamp": str(NOW), "webhook-signature": f"v1a,{good} junk"}

    with pytest.raises(WebhookVerificationError, match="No webhook-signature"):
        webhooks.verify_signature(b"{}", headers, secret, now=NOW)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"webhook-id": "evt_1", "webhook-timestamp": str(NOW)},
        {"webhook-id": "evt_1", "webhook-timestamp": "12.5", "webhook-signature": "v1,x"},
        {"webhook-id": "evt_1", "webhook-timestamp": "١٢٣", "webhook-signature": "v1,x"},
    ],
)
def test_missing_or_malformed_headers(headers: dict[str, str]) -> None:
    with pytest.raises(WebhookVerificationError):
        webhooks.verify_signature(b"{}", headers, "whsec_" + base64.b64encode(b"k").decode(), now=NOW)


def test_verify_returns_the_typed_event_and_uses_the_clock_by_default() -> None:
    secret = "whsec_" + base64.b64encode(b"s" * 32).decode()
    event: dict[str, Any] = {
        "id": "evt_" + "9" * 24,
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": NOW,
        "livemode": False,
        "api_version": "2026-12-01",
        "data": {"object": intent_body(status="succeeded", metadata={"order_id": "1001"})},
        "request": {"id": "req_1", "idempotency_key": "order-1001"},
        "pending_webhooks": 1,
    }
    body = msgspec.json.encode(event)
    now = int(datetime.now(tz=UTC).timestamp())

    verified = webhooks.verify(body, signed(secret, event["id"], now, body), secret)

    assert isinstance(verified, Event)
    assert verified.data.object.metadata == {"order_id": "1001"}
    assert verified.request is not None
    assert verified.request.idempotency_key == "order-1001"


def test_a_signed_body_that_is_not_an_event_is_refused() -> None:
    secret = "whsec_" + base64.b64encode(b"s" * 32).decode()

    with pytest.raises(WebhookVerificationError, match="not a Micropay event"):
        webhooks.verify(b"[1]", signed(secret, "evt_1", NOW, b"[1]"), secret, now=NOW)


def test_a_secret_that_is_not_base64_is_refused() -> None:
    with pytest.raises(WebhookVerificationError, match="secret"):
        webhooks.verify_signature(
            b"{}", {"webhook-id": "a", "webhook-timestamp": str(NOW), "webhook-signature": "v1,x"}, "whsec_!!", now=NOW
        )
