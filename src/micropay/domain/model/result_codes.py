"""Daraja ``ResultCode`` (callback and STK query) to the contract's ``last_payment_error.code``.

Result descriptions are not stable across Daraja's channels, so only the code is mapped. Codes arrive as
JSON numbers (callback), strings (query) or non-numeric strings (``SFC_IC0003``); ``normalise_result_code``
turns every form into one canonical string.
"""

from __future__ import annotations

from typing import Final

SUCCESS: Final = "0"
STILL_PROCESSING: Final = "4999"  # query only: non-terminal

_MAP: Final[dict[str, str]] = {
    "1": "insufficient_funds",
    "2": "amount_limit_exceeded",
    "3": "amount_limit_exceeded",
    "4": "amount_limit_exceeded",
    "8": "amount_limit_exceeded",
    "17": "duplicate_request_rule",
    "1019": "expired",
    "1025": "prompt_failed",
    "9999": "prompt_failed",
    "1031": "canceled_by_customer",
    "1032": "canceled_by_customer",
    "1037": "customer_unreachable",
    "2001": "wrong_pin",
    "2028": "merchant_misconfigured",
    "SFC_IC0003": "merchant_misconfigured",
    "8006": "account_locked",
}
FALLBACK: Final = "provider_declined"

#: ``last_payment_error.code`` for pushes Daraja refuses synchronously for a customer reason (no
#: ResultCode exists for those; the adapter recognises them in Daraja's error envelope).
REJECTED_PHONE_NUMBER: Final = "phone_number_invalid"
REJECTED_SUBSCRIBER_BUSY: Final = "customer_busy"

_MESSAGES: Final[dict[str, str]] = {
    "insufficient_funds": "The customer's M-Pesa balance is insufficient for this payment.",
    "amount_limit_exceeded": "The payment breaks an M-Pesa transaction or balance limit.",
    "duplicate_request_rule": "M-Pesa refused a repeat of the same amount to the same customer within 2 minutes.",
    "expired": "The customer did not complete the M-Pesa prompt in time.",
    "prompt_failed": "M-Pesa could not show the payment prompt on the customer's phone.",
    "canceled_by_customer": "The customer canceled the M-Pesa prompt.",
    "customer_unreachable": "The customer's phone could not be reached.",
    "wrong_pin": "The customer entered a wrong M-Pesa PIN.",
    "merchant_misconfigured": "M-Pesa refused the merchant's shortcode or transaction type for this payment.",
    "account_locked": "The customer's M-Pesa account is locked.",
    "provider_declined": "M-Pesa declined the payment.",
    "phone_number_invalid": "M-Pesa refused the customer's phone number.",
    "customer_busy": "The customer is busy with another M-Pesa transaction; try again in a minute.",
}


def normalise_result_code(raw: object) -> str:
    """``0``, ``"0"``, ``0.0`` and ``" 0 "`` are all ``"0"``; non-numeric strings are kept as they are."""
    if isinstance(raw, bool):
        raise ValueError("a result code is not a boolean")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if raw.is_integer():
            return str(int(raw))
        raise ValueError("a result code is a whole number")
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise ValueError("a result code is not empty")
        if text.lstrip("-").isdigit():
            return str(int(text))
        return text
    raise ValueError("a result code is a number or a string")


def error_code_for(result_code: str) -> str:
    """The contract's ``last_payment_error.code`` for a non-zero result code."""
    return _MAP.get(result_code, FALLBACK)


def message_for(error_code: str) -> str:
    return _MESSAGES.get(error_code, _MESSAGES[FALLBACK])


def is_success(result_code: str) -> bool:
    return result_code == SUCCESS
