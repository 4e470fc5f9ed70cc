"""Free-form fields of an intent: account reference, description, Daraja's TransactionDesc, metadata, reason."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micropay.domain.errors import InvalidParameter
from micropay.domain.model import fields


@pytest.mark.parametrize("raw", ["A", "INV1001", "abcdefABCDEF", "123456789012"])
def test_account_reference_accepts_1_to_12_letters_and_digits(raw: str) -> None:
    assert fields.account_reference(raw) == raw


@pytest.mark.parametrize("raw", ["", "1234567890123", "INV-1001", "INV 1001", "ÄBC", "١٢٣", None, 1001])
def test_account_reference_refuses_anything_else(raw: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        fields.account_reference(raw)
    assert (raised.value.param, raised.value.code) == ("account_reference", "parameter_invalid")


def test_default_account_reference_is_the_ids_last_12_characters() -> None:
    assert fields.default_account_reference("pi_0V70MXWK00000000000000AB") == "0000000000AB"
    assert fields.account_reference(fields.default_account_reference("pi_0V70MXWK0000000000000005"))


@pytest.mark.parametrize("raw", [None, "", "Order 1001", "x" * 100, "Ünïcode ✓"])
def test_description_accepts_up_to_100_characters(raw: str | None) -> None:
    assert fields.description(raw) == raw


@pytest.mark.parametrize("raw", ["x" * 101, "line\nbreak", "tab\there", "\x00", 42])
def test_description_refuses_long_text_control_characters_and_non_strings(raw: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        fields.description(raw)
    assert raised.value.param == "description"


@pytest.mark.parametrize(
    ("desc", "ref", "expected"),
    [
        (None, "INV1001", "Payment INV10"),
        ("", "A1", "Payment A1"),
        ("Order #1001!", "X", "Order 1001"),
        ("  many   spaces  ", "X", "many spaces"),
        ("Order 1001 for table 7", "X", "Order 1001 fo"),
        ("Twelve chars x", "X", "Twelve chars"),
        ("✓✓✓", "X", "Payment"),
        ("###", "X", "Payment"),
    ],
)
def test_transaction_desc_is_squeezed_to_13_safe_characters(desc: str | None, ref: str, expected: str) -> None:
    assert fields.transaction_desc(desc, ref) == expected


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=100)), st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True))
def test_transaction_desc_is_always_1_to_13_plain_characters(desc: str | None, ref: str) -> None:
    out = fields.transaction_desc(desc, ref)
    assert 1 <= len(out) <= fields.TRANSACTION_DESC_MAX
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in out)
    assert out == out.strip()


def test_metadata_none_is_empty_and_a_mapping_is_copied() -> None:
    assert fields.metadata(None) == {}
    raw = {"order_id": "1001", "empty": ""}
    copied = fields.metadata(raw)
    assert copied == raw
    assert copied is not raw


def test_metadata_limits_are_inclusive() -> None:
    raw = {f"k{i}": "v" * 500 for i in range(49)} | {"k" * 40: ""}
    assert len(fields.metadata(raw)) == 50


@pytest.mark.parametrize(
    ("raw", "param"),
    [
        (["a"], "metadata"),
        ("a=b", "metadata"),
        ({f"k{i}": "v" for i in range(51)}, "metadata"),
        ({"": "v"}, "metadata"),
        ({"k" * 41: "v"}, "metadata"),
        ({1: "v"}, "metadata"),
        ({"order": 1}, "metadata[order]"),
        ({"order": None}, "metadata[order]"),
        ({"order": "v" * 501}, "metadata[order]"),
    ],
)
def test_metadata_refusals_name_the_field(raw: object, param: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        fields.metadata(raw)
    assert (raised.value.param, raised.value.code) == (param, "parameter_invalid")


@pytest.mark.parametrize("raw", [None, "r", "x" * 100])
def test_cancellation_reason_accepts_1_to_100_characters(raw: str | None) -> None:
    assert fields.cancellation_reason(raw) == raw


@pytest.mark.parametrize("raw", ["", "x" * 101, 5])
def test_cancellation_reason_refuses_anything_else(raw: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        fields.cancellation_reason(raw)
    assert raised.value.param == "cancellation_reason"
