"""The fake ``CallbackParser``: the real Daraja callback shape, read minimally."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from micropay.domain.model.provider import PaymentResult
from micropay.domain.model.result_codes import normalise_result_code
from micropay.ports.callback_parser import CallbackParser, MalformedCallback

_NAIROBI = timezone(timedelta(hours=3))


class FakeCallbackParser:
    """Reads ``{"Body": {"stkCallback": {ResultCode, CheckoutRequestID, MerchantRequestID?, ResultDesc?,
    CallbackMetadata?: {"Item": [{"Name", "Value"}]}}}}`` with items ``Amount`` (shillings),
    ``MpesaReceiptNumber``, ``PhoneNumber`` and ``TransactionDate`` (``YYYYMMDDHHMMSS`` Nairobi time).
    Anything else raises ``MalformedCallback``."""

    def parse(self, body: Any) -> PaymentResult:
        try:
            callback = body["Body"]["stkCallback"]
            code = normalise_result_code(callback["ResultCode"])
            checkout_request_id = callback["CheckoutRequestID"]
            items = _items(callback.get("CallbackMetadata"))
            amount = items.get("Amount")
            date = items.get("TransactionDate")
            phone = items.get("PhoneNumber")
            receipt = items.get("MpesaReceiptNumber")
            merchant_request_id = callback.get("MerchantRequestID")
            return PaymentResult(
                result_code=code,
                result_desc=str(callback.get("ResultDesc", "")),
                checkout_request_id=_text(checkout_request_id),
                merchant_request_id=None if merchant_request_id is None else _text(merchant_request_id),
                amount=None if amount is None else round(float(amount) * 100),
                receipt_number=None if receipt is None else _text(receipt),
                transaction_date=None if date is None else _nairobi_seconds(date),
                phone_number=None if phone is None else str(int(phone)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MalformedCallback(f"Not a Daraja STK callback: {type(exc).__name__}.") from None


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("expected a non-empty string")
    return value


def _items(metadata: object) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise TypeError("CallbackMetadata is an object")
    return {item["Name"]: item["Value"] for item in metadata["Item"] if "Value" in item}


def _nairobi_seconds(value: object) -> int:
    moment = datetime.strptime(str(value), "%Y%m%d%H%M%S").replace(tzinfo=_NAIROBI)
    return int(moment.timestamp())


_: CallbackParser = FakeCallbackParser()
