"""Tolerant parsing of real callback shapes (daraja-reference §4, api-contract §4)."""

from __future__ import annotations

import calendar
from typing import Any

import pytest

from micropay.adapters.daraja import DarajaCallbackParser
from micropay.ports.callback_parser import MalformedCallback

parse = DarajaCallbackParser().parse
DATE_2019 = calendar.timegm((2019, 12, 19, 7, 21, 15, 0, 0, 0))  # 2019-12-19 10:21:15 in Nairobi


def wrap(callback: dict[str, Any]) -> dict[str, Any]:
    return {"Body": {"stkCallback": callback}}


def success(*items: dict[str, Any], code: Any = 0) -> dict[str, Any]:
    return wrap(
        {
            "MerchantRequestID": "29115-34620561-1",
            "CheckoutRequestID": "ws_CO_191220191020363925",
            "ResultCode": code,
            "ResultDesc": "The service request is processed successfully.",
            "CallbackMetadata": {"Item": list(items)},
        }
    )


def test_the_portal_success_sample() -> None:
    result = parse(
        success(
            {"Name": "Amount", "Value": 1.00},
            {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
            {"Name": "TransactionDate", "Value": 20191219102115},
            {"Name": "PhoneNumber", "Value": 254708374149},
        )
    )

    assert result.result_code == "0"
    assert result.amount == 100
    assert result.receipt_number == "NLJ7RT61SV"
    assert result.transaction_date == DATE_2019
    assert result.phone_number == "254708374149"
    assert result.checkout_request_id == "ws_CO_191220191020363925"
    assert result.merchant_request_id == "29115-34620561-1"


def test_five_items_in_another_order_with_a_balance_without_value() -> None:
    result = parse(
        success(
            {"Name": "PhoneNumber", "Value": 254722000000},
            {"Name": "Balance"},
            {"Name": "TransactionDate", "Value": 20191219102115},
            {"Name": "MpesaReceiptNumber", "Value": "OFU5DL9GRT"},
            {"Name": "Amount", "Value": 10500.0},
        )
    )

    assert (result.amount, result.receipt_number, result.phone_number) == (1_050_000, "OFU5DL9GRT", "254722000000")


def test_numbers_as_strings() -> None:
    result = parse(
        success(
            {"Name": "Amount", "Value": "150.00"},
            {"Name": "MpesaReceiptNumber", "Value": "PDL72WRAVZ"},
            {"Name": "TransactionDate", "Value": "20191219102115"},
            {"Name": "PhoneNumber", "Value": "254708374149"},
            code="0",
        )
    )

    assert (result.result_code, result.amount, result.transaction_date) == ("0", 15000, DATE_2019)
    assert result.phone_number == "254708374149"


@pytest.mark.parametrize(
    ("raw", "code"), [(1032, "1032"), ("1032", "1032"), (1037.0, "1037"), ("SFC_IC0003", "SFC_IC0003")]
)
def test_failures_without_metadata(raw: Any, code: str) -> None:
    result = parse(
        wrap(
            {
                "MerchantRequestID": "f1e2-4b95-a71d-b30d3cdbb7a7942864",
                "CheckoutRequestID": "ws_CO_21072024125243250722943992",
                "ResultCode": raw,
                "ResultDesc": "Request cancelled by user",
            }
        )
    )

    assert result.result_code == code
    assert result.amount is None
    assert result.receipt_number is None
    assert result.transaction_date is None
    assert result.result_desc == "Request cancelled by user"


@pytest.mark.parametrize("amount", [1.005, -1, "1,000", "abc", True, None, [1]])
def test_unreadable_amounts_are_malformed(amount: Any) -> None:
    item = {"Name": "Amount"} if amount is None else {"Name": "Amount", "Value": amount}
    with pytest.raises(MalformedCallback):
        parse(success(item, {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"}))


def test_an_amount_in_cents_is_fine() -> None:
    result = parse(success({"Name": "Amount", "Value": 0.5}, {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"}))

    assert result.amount == 50


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"Body": {}},
        {"Body": {"stkCallback": "x"}},
        wrap({"CheckoutRequestID": "ws_CO_1", "ResultDesc": "no code"}),
        wrap({"CheckoutRequestID": "ws_CO_1", "ResultCode": True}),
        wrap({"CheckoutRequestID": "ws_CO_1", "ResultCode": ""}),
        wrap({"ResultCode": 1032}),
        wrap({"CheckoutRequestID": 5, "ResultCode": 1032}),
        wrap({"CheckoutRequestID": "ws_CO_1", "ResultCode": 0}),  # a success without metadata
        wrap({"CheckoutRequestID": "ws_CO_1", "ResultCode": 1, "CallbackMetadata": {"Item": "x"}}),
        wrap({"CheckoutRequestID": "ws_CO_1", "ResultCode": 1, "CallbackMetadata": {"Item": [{"Value": 1}]}}),
        success(
            {"Name": "Amount", "Value": 1},
            {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
            {"Name": "TransactionDate", "Value": 2019121910211},
        ),
        success(
            {"Name": "Amount", "Value": 1},
            {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
            {"Name": "PhoneNumber", "Value": "+254708374149"},
        ),
    ],
)
def test_malformed_callbacks(body: Any) -> None:
    with pytest.raises(MalformedCallback):
        parse(body)


@pytest.mark.parametrize(
    "amount",
    [
        "1e99999999",  # raised decimal.Overflow (not MalformedCallback) before
        "1e-99999999",
        "12345678901234567890123456789.01",  # was rounded to 28 digits and accepted as a wrong amount
        "1.0000000000000000000000000001",  # was rounded to 100 cents
        "1000000000000000",  # 10**15 shillings: out of any M-Pesa range
    ],
)
def test_amounts_beyond_exact_decimal_arithmetic_are_malformed_not_rounded(amount: str) -> None:
    with pytest.raises(MalformedCallback):
        parse(success({"Name": "Amount", "Value": amount}, {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"}))


def test_the_largest_amount_in_range_is_exact() -> None:
    result = parse(
        success({"Name": "Amount", "Value": "999999999999999.99"}, {"Name": "MpesaReceiptNumber", "Value": "X1"})
    )

    assert result.amount == 99_999_999_999_999_999
