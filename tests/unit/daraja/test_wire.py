"""Password, Nairobi timestamps and redaction (daraja-reference §3.1, §8.4)."""

from __future__ import annotations

import base64
import calendar

import pytest

from micropay.adapters.daraja import wire
from micropay.domain.model.credentials import DarajaCredentials, TransactionType
from micropay.domain.model.environment import Environment
from micropay.ports.daraja_gateway import StkPushRequest

PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"


@pytest.mark.parametrize(
    ("timestamp", "password"),
    [
        (
            "20210628092408",
            "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMjEwNjI4MDkyNDA4",
        ),
        (
            "20160216165627",
            "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3",
        ),
    ],
)
def test_password_vectors(timestamp: str, password: str) -> None:
    assert wire.stk_password("174379", PASSKEY, timestamp) == password


@pytest.mark.parametrize(
    ("utc", "nairobi"),
    [
        ((2026, 1, 1, 0, 0, 0), "20260101030000"),
        ((2025, 12, 31, 21, 30, 5), "20260101003005"),  # already the next day (and year) in Nairobi
        ((2026, 7, 1, 12, 0, 0), "20260701150000"),  # no daylight saving: +3 in July too
    ],
)
def test_timestamps_are_nairobi_time(utc: tuple[int, ...], nairobi: str) -> None:
    now = float(calendar.timegm((*utc, 0, 0, 0)))

    assert wire.nairobi_timestamp(now) == nairobi
    assert wire.parse_nairobi_timestamp(nairobi) == int(now)


@pytest.mark.parametrize("bad", ["2026010100000", "2026010100000x", "20261301000000"])
def test_malformed_timestamps_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        wire.parse_nairobi_timestamp(bad)


def test_push_body_uses_one_timestamp_for_password_and_timestamp() -> None:
    till = DarajaCredentials(
        consumer_key="k",
        consumer_secret="s",
        business_short_code="600100",
        passkey="pk",
        transaction_type=TransactionType.BUY_GOODS,
        party_b="5123456",
    )
    request = StkPushRequest(
        environment=Environment.SANDBOX,
        amount_shillings=1500,
        phone_number="254712345678",
        account_reference="INV1001",
        transaction_desc="Order 1001",
        callback_url="https://pay.example/webhooks/mpesa/tok",
    )

    body = wire.push_body(till, request, "20260101030000")

    assert base64.b64decode(body["Password"]).decode() == "600100pk20260101030000"
    assert body["Timestamp"] == "20260101030000"
    assert (body["TransactionType"], body["PartyB"], body["BusinessShortCode"]) == (
        "CustomerBuyGoodsOnline",
        "5123456",
        "600100",
    )
    assert body["PartyA"] == body["PhoneNumber"] == "254712345678"
    assert body["Amount"] == 1500


def test_redaction_hides_the_password_and_most_of_the_callback_token() -> None:
    body = {
        "Password": "c2VjcmV0",
        "CallBackURL": "https://pay.example/webhooks/mpesa/AbCdEf0123456789xyz",
        "Amount": 1,
    }

    redacted = wire.redact_request(body)

    assert redacted == {
        "Password": "[REDACTED]",
        "CallBackURL": "https://pay.example/webhooks/mpesa/AbCdEf[REDACTED]",
        "Amount": 1,
    }
    assert body["Password"] == "c2VjcmV0"  # the request itself is untouched
