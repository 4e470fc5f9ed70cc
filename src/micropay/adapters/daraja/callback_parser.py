"""``DarajaCallbackParser``: reads ``{"Body": {"stkCallback": …}}`` the tolerant way (docs/api.md, Callbacks)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final

from micropay.adapters.daraja.wire import parse_nairobi_timestamp
from micropay.domain.model.provider import PaymentResult
from micropay.domain.model.result_codes import SUCCESS, normalise_result_code
from micropay.ports.callback_parser import CallbackParser, MalformedCallback

_CENT_DIGITS: Final = 2  # minor units per shilling: 10**2
_MAX_SHILLING_DIGITS: Final = 15  # no M-Pesa amount comes near 10**15 shillings
_MAX_TEXT: Final = 500


class DarajaCallbackParser(CallbackParser):
    """Tolerant where Daraja is known to vary, strict where a wrong reading could move money.

    - ``ResultCode``: number, numeric string or code like ``SFC_IC0003`` (normalised);
    - metadata items are read by ``Name`` (any order, unknown names ignored, ``Balance`` with no ``Value``);
    - ``Amount`` (number or numeric string, in shillings) becomes exact minor units through ``Decimal``;
    - ``TransactionDate`` (``YYYYMMDDHHmmss`` Nairobi time, number or string) becomes Unix seconds;
    - ``PhoneNumber`` (number or string) becomes its digits;
    - a failure may have no ``CallbackMetadata``; a success must carry ``Amount`` and ``MpesaReceiptNumber``.
    """

    def parse(self, body: Any) -> PaymentResult:
        callback = _object(_object(_object(body, "the body").get("Body"), "Body").get("stkCallback"), "stkCallback")
        result_code = _result_code(callback.get("ResultCode"))
        checkout = _text(callback.get("CheckoutRequestID"), "CheckoutRequestID", required=True)
        merchant = _text(callback.get("MerchantRequestID"), "MerchantRequestID", required=False)
        desc = _text(callback.get("ResultDesc"), "ResultDesc", required=False) or ""
        items = _items(callback.get("CallbackMetadata"))
        amount = _amount(items["Amount"]) if items.get("Amount") is not None else None
        receipt = _text(items.get("MpesaReceiptNumber"), "MpesaReceiptNumber", required=False)
        date = _date(items["TransactionDate"]) if items.get("TransactionDate") is not None else None
        phone = _digits(items["PhoneNumber"], "PhoneNumber") if items.get("PhoneNumber") is not None else None
        if result_code == SUCCESS and (amount is None or not receipt):
            raise MalformedCallback("A successful callback must carry Amount and MpesaReceiptNumber.")
        return PaymentResult(
            result_code=result_code,
            result_desc=desc,
            checkout_request_id=checkout,
            merchant_request_id=merchant,
            amount=amount,
            receipt_number=receipt,
            transaction_date=date,
            phone_number=phone,
        )


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedCallback(f"Expected {what} to be a JSON object.")
    return value


def _result_code(raw: Any) -> str:
    if raw is None:
        raise MalformedCallback("The callback has no ResultCode.")
    try:
        return normalise_result_code(raw)
    except ValueError:
        raise MalformedCallback("The callback's ResultCode is neither a number nor a code.") from None


def _text(raw: Any, name: str, *, required: bool) -> str | None:
    if raw is None or raw == "":
        if required:
            raise MalformedCallback(f"The callback has no {name}.")
        return None
    if not isinstance(raw, str) or len(raw) > _MAX_TEXT:
        raise MalformedCallback(f"The callback's {name} is not a string.")
    return raw


def _items(metadata: Any) -> dict[str, Any]:
    """``{Name: Value}`` of ``CallbackMetadata.Item``; the first item of a name wins, no Value is ``None``."""
    if metadata is None:
        return {}
    raw_items = _object(metadata, "CallbackMetadata").get("Item")
    if raw_items is None:
        return {}
    if isinstance(raw_items, dict):  # a single item not wrapped in a list
        raw_items = [raw_items]
    if not isinstance(raw_items, list):
        raise MalformedCallback("CallbackMetadata.Item must be a list.")
    found: dict[str, Any] = {}
    for item in raw_items:
        name = _object(item, "a CallbackMetadata item").get("Name")
        if not isinstance(name, str):
            raise MalformedCallback("A CallbackMetadata item has no Name.")
        found.setdefault(name, item.get("Value"))
    return found


def _amount(raw: Any) -> int:
    """Shillings (``1``, ``1.0``, ``"150.00"``) to minor units, exactly; fractions of a cent are refused.

    Exact for any number of digits: the decimal digits are scaled by hand rather than through ``Decimal``
    arithmetic, which rounds to 28 digits and overflows on exponents such as ``"1e99999999"``.
    """
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise MalformedCallback("The callback's Amount is not a number.")
    try:
        shillings = Decimal(str(raw).strip())
    except InvalidOperation:
        raise MalformedCallback("The callback's Amount is not a number.") from None
    if not shillings.is_finite():
        raise MalformedCallback("The callback's Amount is not a whole number of cents.")
    sign, digits, exponent = shillings.as_tuple()
    assert isinstance(exponent, int)  # finite
    while len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if exponent + _CENT_DIGITS < 0 or (sign and any(digits)):
        raise MalformedCallback("The callback's Amount is not a whole number of cents.")
    if len(digits) + exponent > _MAX_SHILLING_DIGITS:
        raise MalformedCallback("The callback's Amount is out of range.")
    scale: int = 10 ** (exponent + _CENT_DIGITS)
    return int("".join(map(str, digits))) * scale


def _digits(raw: Any, name: str) -> str:
    if isinstance(raw, bool):
        raise MalformedCallback(f"The callback's {name} is not a number.")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip() if isinstance(raw, int | str) else ""
    if not text.isascii() or not text.isdigit():
        raise MalformedCallback(f"The callback's {name} is not a number.")
    return text


def _date(raw: Any) -> int:
    try:
        return parse_nairobi_timestamp(_digits(raw, "TransactionDate"))
    except ValueError:
        raise MalformedCallback("The callback's TransactionDate is not YYYYMMDDHHmmss.") from None
