"""Daraja's wire format for requests: Nairobi timestamps, the STK password, request bodies, redaction.

Pure functions; nothing here performs I/O or reads the clock.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.redaction import TOKEN_HINT_LENGTH
from micropay.ports.daraja_gateway import StkPushRequest

#: East Africa Time: UTC+3 all year (Kenya has no daylight saving), the zone of every Daraja timestamp.
NAIROBI: Final = timezone(timedelta(hours=3), "EAT")
REDACTED: Final = "[REDACTED]"
CALLBACK_TOKEN_HINT: Final = TOKEN_HINT_LENGTH  # characters of the callback token kept visible

STK_PUSH_PATH: Final = "/mpesa/stkpush/v1/processrequest"
STK_QUERY_PATH: Final = "/mpesa/stkpushquery/v1/query"
OAUTH_PATH: Final = "/oauth/v1/generate"


def nairobi_timestamp(now: float) -> str:
    """``YYYYMMDDHHmmss`` in Nairobi local time for Unix seconds ``now``."""
    return datetime.fromtimestamp(now, tz=UTC).astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


def parse_nairobi_timestamp(text: str) -> int:
    """Unix seconds for a ``YYYYMMDDHHmmss`` Nairobi local time; ``ValueError`` if malformed."""
    if len(text) != 14 or not text.isdigit():
        raise ValueError("a Daraja timestamp has 14 digits")
    return int(datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI).timestamp())


def stk_password(business_short_code: str, passkey: str, timestamp: str) -> str:
    """``base64(shortcode + passkey + timestamp)``: plain concatenation, then standard Base64."""
    return base64.b64encode(f"{business_short_code}{passkey}{timestamp}".encode()).decode("ascii")


def push_body(credentials: DarajaCredentials, request: StkPushRequest, timestamp: str) -> dict[str, Any]:
    """The processrequest body; ``timestamp`` is computed once and used for both Password and Timestamp."""
    return {
        "BusinessShortCode": credentials.business_short_code,
        "Password": stk_password(credentials.business_short_code, credentials.passkey, timestamp),
        "Timestamp": timestamp,
        "TransactionType": credentials.transaction_type.value,
        "Amount": request.amount_shillings,
        "PartyA": request.phone_number,
        "PartyB": credentials.receiving_party,
        "PhoneNumber": request.phone_number,
        "CallBackURL": request.callback_url,
        "AccountReference": request.account_reference,
        "TransactionDesc": request.transaction_desc,
    }


def query_body(credentials: DarajaCredentials, checkout_request_id: str, timestamp: str) -> dict[str, Any]:
    """The STK push query body, with a fresh timestamp (it need not be the push's)."""
    return {
        "BusinessShortCode": credentials.business_short_code,
        "Password": stk_password(credentials.business_short_code, credentials.passkey, timestamp),
        "Timestamp": timestamp,
        "CheckoutRequestID": checkout_request_id,
    }


def redact_callback_url(url: str) -> str:
    """Keep the first characters of the per-attempt token (the URL's last path segment), hide the rest."""
    parts = urlsplit(url)
    head, sep, token = parts.path.rstrip("/").rpartition("/")
    if not sep or not token:
        return url
    hidden = token[:CALLBACK_TOKEN_HINT] + REDACTED if len(token) > CALLBACK_TOKEN_HINT else REDACTED
    return urlunsplit((parts.scheme, parts.netloc, f"{head}/{hidden}", "", ""))


def redact_request(body: dict[str, Any]) -> dict[str, Any]:
    """The body as it may be logged: no Password, and only a hint of the callback token."""
    redacted = dict(body)
    if "Password" in redacted:
        redacted["Password"] = REDACTED
    callback_url = redacted.get("CallBackURL")
    if isinstance(callback_url, str):
        redacted["CallBackURL"] = redact_callback_url(callback_url)
    return redacted
