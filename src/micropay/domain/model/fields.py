"""Validation of the free-form fields a merchant attaches to an intent."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from micropay.domain.errors import InvalidParameter

ACCOUNT_REFERENCE_MAX: Final = 12  # Daraja's AccountReference limit
TRANSACTION_DESC_MAX: Final = 13  # Daraja's TransactionDesc limit
DESCRIPTION_MAX: Final = 100
METADATA_MAX_KEYS: Final = 50
METADATA_KEY_MAX: Final = 40
METADATA_VALUE_MAX: Final = 500
CANCELLATION_REASON_MAX: Final = 100

#: The account reference's form, also the pattern the HTTP schema (and so the OpenAPI document) declares.
ACCOUNT_REFERENCE_PATTERN: Final = f"[A-Za-z0-9]{{1,{ACCOUNT_REFERENCE_MAX}}}"
_ACCOUNT_REFERENCE: Final = re.compile(ACCOUNT_REFERENCE_PATTERN)
_PRINTABLE_ASCII: Final = re.compile(r"[^A-Za-z0-9 ]+")


def _printable(param: str, value: str) -> None:
    """No control characters (NUL above all: Postgres text cannot hold it, and no customer can read it)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidParameter(param, f"{param} must not contain control characters.")


def account_reference(raw: object) -> str:
    """1-12 characters ``[A-Za-z0-9]``: shown to the customer in the prompt."""
    if not isinstance(raw, str) or not _ACCOUNT_REFERENCE.fullmatch(raw):
        raise InvalidParameter(
            "account_reference",
            f"account_reference must be 1 to {ACCOUNT_REFERENCE_MAX} characters, letters and digits only.",
        )
    return raw


def default_account_reference(intent_id: str) -> str:
    """Derived from the id's random tail so that two intents rarely share one."""
    return intent_id.removeprefix("pi_")[-ACCOUNT_REFERENCE_MAX:]


def description(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > DESCRIPTION_MAX:
        raise InvalidParameter("description", f"description must be a string of at most {DESCRIPTION_MAX} characters.")
    _printable("description", raw)
    return raw


def transaction_desc(desc: str | None, account_ref: str) -> str:
    """Daraja's 13-character ``TransactionDesc``: the description squeezed to safe characters."""
    source = desc if desc else f"Payment {account_ref}"
    cleaned = " ".join(_PRINTABLE_ASCII.sub(" ", source).split())
    return (cleaned or "Payment")[:TRANSACTION_DESC_MAX].rstrip() or "Payment"


def metadata(raw: object) -> dict[str, str]:
    """Up to 50 string keys (<= 40 characters) with string values (<= 500 characters)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidParameter("metadata", "metadata must be an object of string keys and string values.")
    if len(raw) > METADATA_MAX_KEYS:
        raise InvalidParameter("metadata", f"metadata can have at most {METADATA_MAX_KEYS} keys.")
    result: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not 1 <= len(key) <= METADATA_KEY_MAX:
            raise InvalidParameter("metadata", f"metadata keys must be 1 to {METADATA_KEY_MAX} characters.")
        if not isinstance(value, str) or len(value) > METADATA_VALUE_MAX:
            raise InvalidParameter(
                f"metadata[{key}]",
                f"metadata values must be strings of at most {METADATA_VALUE_MAX} characters.",
            )
        _printable("metadata", key)
        if "\x00" in value:
            raise InvalidParameter(f"metadata[{key}]", "metadata values must not contain NUL characters.")
        result[key] = value
    return result


def cancellation_reason(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not 1 <= len(raw) <= CANCELLATION_REASON_MAX:
        raise InvalidParameter(
            "cancellation_reason", f"cancellation_reason must be 1 to {CANCELLATION_REASON_MAX} characters."
        )
    _printable("cancellation_reason", raw)
    return raw
