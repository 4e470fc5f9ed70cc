"""Request validation the way Daraja does it: ``400.002.02 "Bad Request - Invalid <Field>"`` for the payload,
``500.001.1001`` for the merchant (unknown shortcode, wrong Password)."""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit

import msgspec

_PHONE: Final = re.compile(r"254[71]\d{8}")
_SHORT_CODE: Final = re.compile(r"\d{5,7}")
_TRANSACTION_TYPES: Final = frozenset({"CustomerPayBillOnline", "CustomerBuyGoodsOnline"})
MAX_AMOUNT: Final = 250_000


class DarajaFault(Exception):
    """An error answer: HTTP status plus Daraja's ``errorCode`` / ``errorMessage``."""

    def __init__(self, http_status: int, error_code: str, error_message: str) -> None:
        super().__init__(error_message)
        self.http_status = http_status
        self.error_code = error_code
        self.error_message = error_message


def bad_request(field: str) -> DarajaFault:
    return DarajaFault(400, "400.002.02", f"Bad Request - Invalid {field}")


class PushRequest(msgspec.Struct, frozen=True, kw_only=True):
    short_code: str
    amount: int
    phone_number: str
    callback_url: str


class QueryRequest(msgspec.Struct, frozen=True, kw_only=True):
    short_code: str
    checkout_request_id: str


def _numeric(value: Any) -> str | None:
    """A JSON number or a numeric string, as its digits (Daraja accepts both)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    return None


def _short_code(body: Mapping[str, Any], field: str = "BusinessShortCode") -> str:
    code = _numeric(body.get(field))
    if code is None or not _SHORT_CODE.fullmatch(code):
        raise bad_request(field)
    return code


def _timestamp(body: Mapping[str, Any]) -> str:
    stamp = _numeric(body.get("Timestamp"))
    if stamp is None or len(stamp) != 14:
        raise bad_request("Timestamp")
    try:
        datetime.strptime(stamp, "%Y%m%d%H%M%S")
    except ValueError:
        raise bad_request("Timestamp") from None
    return stamp


def _phone(body: Mapping[str, Any], field: str) -> str:
    phone = _numeric(body.get(field))
    if phone is None or not _PHONE.fullmatch(phone):
        raise bad_request(field)
    return phone


def _text(body: Mapping[str, Any], field: str, max_length: int, *, required: bool) -> None:
    value = body.get(field)
    if value is None and not required:
        return
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > max_length or (required and not value.strip()):
        raise bad_request(field)


def _callback_url(body: Mapping[str, Any]) -> str:
    url = body.get("CallBackURL")
    if not isinstance(url, str) or not url or any(ch.isspace() for ch in url):
        raise bad_request("CallBackURL")
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port
    except ValueError:
        valid = False
    if not valid:
        raise bad_request("CallBackURL")
    return url


def _amount(body: Mapping[str, Any]) -> int:
    raw = _numeric(body.get("Amount"))
    if raw is None or not 1 <= int(raw) <= MAX_AMOUNT:
        raise bad_request("Amount")
    return int(raw)


def check_merchant(body: Mapping[str, Any], short_code: str, timestamp: str, merchants: Mapping[str, str]) -> None:
    """The Password must be ``base64(shortcode + passkey + timestamp)`` for a registered shortcode."""
    passkey = merchants.get(short_code)
    if passkey is None:
        raise DarajaFault(500, "500.001.1001", "Merchant does not exist")
    expected = base64.b64encode(f"{short_code}{passkey}{timestamp}".encode()).decode("ascii")
    given = body.get("Password")
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.encode()):
        raise DarajaFault(500, "500.001.1001", "[MerchantValidate] - Wrong credentials")


def validate_push(body: Any, merchants: Mapping[str, str]) -> PushRequest:
    if not isinstance(body, dict):
        raise bad_request("BusinessShortCode")
    short_code = _short_code(body)
    timestamp = _timestamp(body)
    if body.get("TransactionType") not in _TRANSACTION_TYPES:
        raise bad_request("TransactionType")
    amount = _amount(body)
    _phone(body, "PartyA")
    _short_code(body, "PartyB")
    phone = _phone(body, "PhoneNumber")
    callback_url = _callback_url(body)
    _text(body, "AccountReference", 12, required=True)
    _text(body, "TransactionDesc", 13, required=False)
    check_merchant(body, short_code, timestamp, merchants)
    return PushRequest(short_code=short_code, amount=amount, phone_number=phone, callback_url=callback_url)


def validate_query(body: Any, merchants: Mapping[str, str]) -> QueryRequest:
    if not isinstance(body, dict):
        raise bad_request("BusinessShortCode")
    short_code = _short_code(body)
    timestamp = _timestamp(body)
    checkout = body.get("CheckoutRequestID")
    if not isinstance(checkout, str) or not checkout.strip():
        raise bad_request("CheckoutRequestID")
    check_merchant(body, short_code, timestamp, merchants)
    return QueryRequest(short_code=short_code, checkout_request_id=checkout)
