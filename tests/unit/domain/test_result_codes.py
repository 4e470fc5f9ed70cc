"""Daraja ResultCode normalisation and the contract's map to ``last_payment_error.code``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micropay.domain.model import result_codes
from tests.unit.domain.test_state_machine_results import MAPPED

CONTRACT_CODES = {code: error for code, error in MAPPED.items() if error != "provider_declined"}


@pytest.mark.parametrize(("code", "error_code"), sorted(MAPPED.items()))
def test_every_code_maps_as_the_contract_says(code: str, error_code: str) -> None:
    assert result_codes.error_code_for(code) == error_code


def test_the_contracts_map_is_complete() -> None:
    assert len(CONTRACT_CODES) == 16
    assert {result_codes.error_code_for(c) for c in CONTRACT_CODES} == set(CONTRACT_CODES.values())


@pytest.mark.parametrize("error_code", sorted(set(MAPPED.values())))
def test_every_error_code_has_its_own_message(error_code: str) -> None:
    message = result_codes.message_for(error_code)
    assert message
    if error_code != result_codes.FALLBACK:
        assert message != result_codes.message_for(result_codes.FALLBACK)


def test_an_unknown_error_code_gets_the_fallback_message() -> None:
    assert result_codes.message_for("nonsense") == result_codes.message_for("provider_declined")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, "0"),
        ("0", "0"),
        (0.0, "0"),
        (" 0 ", "0"),
        ("00", "0"),
        (1032, "1032"),
        ("1032", "1032"),
        (1032.0, "1032"),
        ("01032", "1032"),
        ("\t1032\n", "1032"),
        (-1, "-1"),
        ("-1", "-1"),
        ("SFC_IC0003", "SFC_IC0003"),
        (" SFC_IC0003 ", "SFC_IC0003"),
        ("500.001.1001", "500.001.1001"),
    ],
)
def test_every_form_normalises_to_one_string(raw: object, expected: str) -> None:
    assert result_codes.normalise_result_code(raw) == expected


@pytest.mark.parametrize("raw", [True, False, 1.5, float("nan"), float("inf"), "", "   ", None, [0], {"code": 0}])
def test_non_codes_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        result_codes.normalise_result_code(raw)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**6), max_value=10**9))
def test_numbers_and_their_string_and_float_forms_agree(code: int) -> None:
    expected = str(code)
    assert result_codes.normalise_result_code(code) == expected
    assert result_codes.normalise_result_code(f" {code} ") == expected
    assert result_codes.normalise_result_code(float(code)) == expected


def test_only_zero_is_success() -> None:
    assert result_codes.is_success(result_codes.SUCCESS)
    assert not result_codes.is_success("00")  # callers normalise first
    assert not result_codes.is_success("1032")
    assert not result_codes.is_success(result_codes.STILL_PROCESSING)


# The contract's words and codes by value (the mutation run, docs/testing.md, found them referenced only by name).

CONTRACT_MESSAGES = {
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


@pytest.mark.parametrize(("error_code", "message"), sorted(CONTRACT_MESSAGES.items()))
def test_each_error_code_has_its_documented_message(error_code: str, message: str) -> None:
    assert result_codes.message_for(error_code) == message


def test_the_special_codes() -> None:
    assert (result_codes.SUCCESS, result_codes.STILL_PROCESSING, result_codes.FALLBACK) == (
        "0",
        "4999",
        "provider_declined",
    )
    assert result_codes.REJECTED_PHONE_NUMBER == "phone_number_invalid"
    assert result_codes.REJECTED_SUBSCRIBER_BUSY == "customer_busy"
    assert result_codes.error_code_for("4999") == "provider_declined"


@pytest.mark.parametrize("raw", ["X1032", "XX0", "E3008", "SFC_IC0003", "-"])
def test_codes_that_are_not_numbers_are_kept_as_they_are(raw: str) -> None:
    assert result_codes.normalise_result_code(raw) == raw
