"""The ``make run`` echo receiver's check agrees with the ``standardwebhooks`` package."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from standardwebhooks import Webhook

from micropay.adapters.webhooks.standard_webhooks import encode_secret
from micropay.entrypoints.webhook_echo import verdict

BODY = b'{"id":"evt_1","type":"payment_intent.succeeded"}'


def test_a_signature_made_by_standardwebhooks_is_verified() -> None:
    secret = encode_secret(os.urandom(32))
    now = int(time.time())
    signed = Webhook(secret).sign("evt_1", datetime.fromtimestamp(now, tz=UTC), BODY.decode())
    assert verdict(secret, "evt_1", str(now), f"v1,bogus {signed}", BODY) == "signature verified"
    assert verdict(secret, "evt_1", str(now), signed, BODY + b" ").startswith("NOT VERIFIED")
    assert verdict(encode_secret(os.urandom(32)), "evt_1", str(now), signed, BODY).startswith("NOT VERIFIED")
    assert verdict(secret, "evt_1", str(now - 301), signed, BODY).startswith("NOT VERIFIED (timestamp")
    assert verdict(None, "evt_1", str(now), signed, BODY) == "signature not checked (no --secret)"
