"""Msisdn: every accepted form normalises to the same 12 digits; everything else is phone_number_invalid."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.msisdn import Msisdn

DIGIT = st.sampled_from("0123456789")
SEPARATORS = st.sampled_from([" ", "-", "  ", "\t", " - ", "\u00a0"])


@st.composite
def canonical(draw: st.DrawFn) -> str:
    """``2547`` or ``2541`` + 8 digits."""
    return "254" + draw(st.sampled_from("71")) + "".join(draw(st.lists(DIGIT, min_size=8, max_size=8)))


@st.composite
def sprinkled(draw: st.DrawFn, text: str) -> str:
    """``text`` with spaces and dashes inserted anywhere."""
    out = []
    for ch in text:
        if draw(st.booleans()):
            out.append(draw(SEPARATORS))
        out.append(ch)
    if draw(st.booleans()):
        out.append(draw(SEPARATORS))
    return "".join(out)


@st.composite
def accepted_form(draw: st.DrawFn) -> tuple[str, str]:
    """(a form a caller may send, the 12 digits it stands for)."""
    number = draw(canonical())
    local = number[3:]  # 7XXXXXXXX or 1XXXXXXXX
    form = draw(st.sampled_from([number, "+" + number, "0" + local]))
    return draw(sprinkled(form)), number


@settings(max_examples=300, deadline=None)
@given(accepted_form())
def test_every_accepted_form_normalises_to_the_same_12_digits(case: tuple[str, str]) -> None:
    raw, number = case
    parsed = Msisdn.parse(raw)
    assert parsed.value == number
    assert parsed == Msisdn(number)
    assert Msisdn.parse(parsed.value) == parsed
    assert str(parsed) == number


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("0712345678", "254712345678"),
        ("0112345678", "254112345678"),
        ("+254712345678", "254712345678"),
        ("254712345678", "254712345678"),
        ("254112345678", "254112345678"),
        ("0712 345 678", "254712345678"),
        ("+254-712-345-678", "254712345678"),
        (" 0712345678 ", "254712345678"),
    ],
)
def test_documented_forms(raw: str, number: str) -> None:
    assert Msisdn.parse(raw).value == number


def _refused(raw: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        Msisdn.parse(raw)
    assert (raised.value.code, raised.value.param) == ("phone_number_invalid", "phone_number")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["2540", "2542", "2543", "2545", "2548", "2549", "255", "256", "1254"]), st.data())
def test_wrong_prefixes_are_refused(prefix: str, data: st.DataObject) -> None:
    rest = "".join(data.draw(st.lists(DIGIT, min_size=12 - len(prefix), max_size=12 - len(prefix))))
    _refused(data.draw(st.sampled_from(["", "+"])) + prefix + rest)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["02", "03", "05", "06", "08", "09", "00", "+0", "+7"]), st.data())
def test_wrong_local_prefixes_are_refused(prefix: str, data: st.DataObject) -> None:
    rest = "".join(data.draw(st.lists(DIGIT, min_size=8, max_size=8)))
    _refused(prefix + rest)


@settings(max_examples=200, deadline=None)
@given(canonical(), st.integers(min_value=-11, max_value=6).filter(lambda n: n != 0), st.sampled_from(["", "+"]))
def test_wrong_lengths_are_refused(number: str, change: int, plus: str) -> None:
    raw = number[:change] if change < 0 else number + "5" * change
    _refused(plus + raw)
    if change < 0 and len(raw) > 4:
        _refused("0" + raw[3:])


@settings(max_examples=200, deadline=None)
@given(canonical(), st.data())
def test_any_non_digit_is_refused(number: str, data: st.DataObject) -> None:
    bad = data.draw(
        st.characters(exclude_categories=["Nd", "Zs", "Zl", "Zp", "Cc"], exclude_characters="-+").filter(
            lambda c: not c.isspace()
        )
    )
    at = data.draw(st.integers(min_value=0, max_value=len(number)))
    _refused(number[:at] + bad + number[at:])
    _refused(number[:at] + bad + number[at + 1 :])


@settings(max_examples=200, deadline=None)
@given(canonical(), st.data())
def test_unicode_digits_are_refused(number: str, data: st.DataObject) -> None:
    digit = data.draw(st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()))
    at = data.draw(st.integers(min_value=4, max_value=len(number) - 1))  # after the prefix: every form has it
    raw = number[:at] + digit + number[at + 1 :]
    _refused(raw)
    _refused("+" + raw)
    _refused("0" + raw[3:])
    with pytest.raises(InvalidParameter):
        Msisdn(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_anything_accepted_is_canonical_ascii(raw: str) -> None:
    try:
        parsed = Msisdn.parse(raw)
    except InvalidParameter as error:
        code = error.code
        parsed = None
    if parsed is None:
        assert code == "phone_number_invalid"
        return
    assert parsed.value.isascii()
    assert parsed.value.isdigit()
    assert len(parsed.value) == 12
    assert parsed.value[:4] in ("2547", "2541")


@pytest.mark.parametrize("raw", ["", "+", "+0712345678", "+255712345678", "0712345678x", "07123456789", "2547123456"])
def test_typical_rejections(raw: str) -> None:
    _refused(raw)


def test_a_plus_with_another_country_says_only_kenyan_numbers() -> None:
    with pytest.raises(InvalidParameter) as raised:
        Msisdn.parse("+255712345678")
    assert "+254" in raised.value.message


def test_non_strings_are_refused_with_the_given_param() -> None:
    with pytest.raises(InvalidParameter) as raised:
        Msisdn.parse(712345678, param="payer")  # type: ignore[arg-type]
    assert (raised.value.code, raised.value.param) == ("phone_number_invalid", "payer")
    with pytest.raises(InvalidParameter) as raised:
        Msisdn.parse("12", param="payer")
    assert raised.value.param == "payer"


@pytest.mark.parametrize("value", ["0712345678", "+254712345678", "254712345678 ", 254712345678])
def test_the_constructor_takes_only_the_canonical_form(value: object) -> None:
    with pytest.raises(InvalidParameter):
        Msisdn(value)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(canonical())
def test_masked_shows_the_start_and_the_last_three_digits(number: str) -> None:
    masked = Msisdn(number).masked
    assert masked == number[:4] + "*****" + number[-3:]
    assume(number[4:9] != "*****")
    assert number[4:9] not in masked


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=10, max_size=10).filter(lambda d: d[:2] not in ("07", "01")))
def test_ten_digits_are_local_only_with_a_leading_07_or_01(digits: str) -> None:
    """``9712345678`` is not ``254712345678``: only ``07``/``01`` numbers drop their 0 for 254."""
    with pytest.raises(InvalidParameter):
        Msisdn.parse(digits)


@pytest.mark.parametrize("digits", ["9712345678", "1712345678", "0212345678", "7712345678"])
def test_ten_digit_numbers_without_the_local_prefix_are_refused(digits: str) -> None:
    with pytest.raises(InvalidParameter):
        Msisdn.parse(digits)


@pytest.mark.parametrize(
    ("make", "param", "message"),
    [
        (lambda: Msisdn.parse(5), "phone_number", "Phone number must be a string."),  # type: ignore[arg-type]
        (lambda: Msisdn.parse("+255712345678"), "phone_number", "Only Kenyan (+254) numbers can pay with M-Pesa."),
        (
            lambda: Msisdn.parse("12"),
            "phone_number",
            "Invalid phone number: use 07XXXXXXXX, 01XXXXXXXX, +2547XXXXXXXX or 2547XXXXXXXX.",
        ),
        (lambda: Msisdn("0712345678"), "phone_number", "Phone number must be 12 digits: 2547XXXXXXXX or 2541XXXXXXXX."),
    ],
)
def test_each_refusal_says_what_to_send(make: object, param: str, message: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        make()  # type: ignore[operator]

    assert (raised.value.param, raised.value.message, raised.value.code) == (param, message, "phone_number_invalid")


def test_the_number_prints_as_its_digits() -> None:
    number = Msisdn.parse("0712 345-678")

    assert (str(number), number.masked) == ("254712345678", "2547*****678")
