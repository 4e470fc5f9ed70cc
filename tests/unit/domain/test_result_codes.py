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
