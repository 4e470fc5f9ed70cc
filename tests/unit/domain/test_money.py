"""Money: KES minor units, whole shillings only, from KES 1 to KES 250,000."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.money import MAX_AMOUNT, MIN_AMOUNT, Money

SHILLINGS = st.integers(min_value=MIN_AMOUNT // 100, max_value=MAX_AMOUNT // 100)
INVALID_AMOUNTS = st.one_of(
    st.integers(max_value=MIN_AMOUNT - 1),
    st.integers(min_value=MAX_AMOUNT + 1),
    st.integers(min_value=MIN_AMOUNT, max_value=MAX_AMOUNT).filter(lambda n: n % 100 != 0),
)


@settings(max_examples=300, deadline=None)
@given(SHILLINGS)
def test_every_whole_shilling_amount_within_bounds_is_accepted(shillings: int) -> None:
    money = Money(amount=shillings * 100)
    assert (money.amount, money.currency, money.shillings) == (shillings * 100, "kes", shillings)


@settings(max_examples=300, deadline=None)
@given(SHILLINGS)
def test_shillings_round_trip(shillings: int) -> None:
    money = Money.from_shillings(shillings)
    assert money.shillings == shillings
    assert Money.from_shillings(money.shillings) == money


@settings(max_examples=300, deadline=None)
@given(INVALID_AMOUNTS)
def test_every_other_integer_is_refused_as_amount_invalid(amount: int) -> None:
    with pytest.raises(InvalidParameter) as raised:
        Money(amount=amount)
    assert (raised.value.code, raised.value.param) == ("amount_invalid", "amount")


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.booleans(), st.floats(), st.text(), st.none(), st.decimals(allow_nan=False)))
def test_non_integers_are_refused_as_amount_invalid(amount: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        Money(amount=amount)  # type: ignore[arg-type]
    assert raised.value.code == "amount_invalid"


@pytest.mark.parametrize("amount", [MIN_AMOUNT, MAX_AMOUNT])
def test_the_bounds_are_inclusive(amount: int) -> None:
    assert Money(amount=amount).amount == amount


@pytest.mark.parametrize("amount", [0, 99, MAX_AMOUNT + 100, 150, 100.0, True])
def test_typical_invalid_amounts(amount: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        Money(amount=amount)  # type: ignore[arg-type]
    assert raised.value.code == "amount_invalid"


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["kes", "KES", "Kes", "kEs"]), SHILLINGS)
def test_kes_takes_the_currency_case_insensitively(currency: str, shillings: int) -> None:
    assert Money.kes(shillings * 100, currency) == Money(amount=shillings * 100)


@pytest.mark.parametrize("currency", ["usd", "ke", "", " kes", "KSH"])
def test_other_currencies_are_refused(currency: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        Money.kes(100, currency)
    assert (raised.value.param, raised.value.code) == ("currency", "parameter_invalid")


def test_the_constructor_wants_the_canonical_currency() -> None:
    with pytest.raises(InvalidParameter) as raised:
        Money(amount=100, currency="KES")
    assert raised.value.param == "currency"


def test_a_non_string_currency_is_refused() -> None:
    with pytest.raises(InvalidParameter) as raised:
        Money.kes(100, 404)  # type: ignore[arg-type]
    assert raised.value.param == "currency"


# The contract's words and numbers, each pinned once (the mutation run, docs/testing.md, found them unchecked).


def test_the_bounds_are_kes_1_and_kes_250000_in_minor_units() -> None:
    assert (MIN_AMOUNT, MAX_AMOUNT) == (100, 25_000_000)
    assert Money(amount=100).amount == 100
    assert Money(amount=25_000_000).amount == 25_000_000


@pytest.mark.parametrize(
    ("make", "param", "message", "code"),
    [
        (
            lambda: Money(amount=100, currency="usd"),
            "currency",
            "Invalid currency: 'usd'. Only 'kes' is supported.",
            None,
        ),
        (lambda: Money.kes(100, 5), "currency", "Currency must be a string.", None),  # type: ignore[arg-type]
        (lambda: Money(amount=1.5), "amount", "Amount must be an integer of minor units.", "amount_invalid"),  # type: ignore[arg-type]
        (
            lambda: Money(amount=99),
            "amount",
            "Amount must be between 100 and 25000000 minor units (KES 1 to KES 250,000).",
            "amount_invalid",
        ),
        (
            lambda: Money(amount=150),
            "amount",
            "Amount must be a multiple of 100: M-Pesa moves whole shillings.",
            "amount_invalid",
        ),
    ],
)
def test_each_refusal_names_its_parameter_message_and_code(
    make: object, param: str, message: str, code: str | None
) -> None:
    with pytest.raises(InvalidParameter) as caught:
        make()  # type: ignore[operator]

    assert (caught.value.param, caught.value.message) == (param, message)
    assert caught.value.code == (code or "parameter_invalid")
