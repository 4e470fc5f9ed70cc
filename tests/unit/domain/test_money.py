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
