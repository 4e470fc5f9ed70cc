"""Daraja credentials: validation, the masked view, and no secret in any repr or error message."""

from __future__ import annotations

from typing import Any

import pytest
from rich.pretty import pretty_repr

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.credentials import (
    DarajaCredentials,
    TransactionType,
    associated_data,
    validate_credentials,
    view_of,
)
from micropay.domain.model.environment import Environment

SECRET = "s3cr3t-CONSUMER-secret"
PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
KEY = "CONSUMERkey-0123456789-wxyz"


def _valid(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "consumer_key": KEY,
        "consumer_secret": SECRET,
        "business_short_code": "174379",
        "passkey": PASSKEY,
        "transaction_type": "CustomerPayBillOnline",
    }
    fields.update(overrides)
    return fields


def test_paybill_credentials_are_accepted() -> None:
    creds = validate_credentials(**_valid())
    assert creds.transaction_type is TransactionType.PAYBILL
    assert (creds.business_short_code, creds.party_b, creds.receiving_party) == ("174379", None, "174379")


def test_buy_goods_needs_a_till_and_pays_it() -> None:
    creds = validate_credentials(**_valid(transaction_type="CustomerBuyGoodsOnline", party_b=5551234))
    assert creds.transaction_type is TransactionType.BUY_GOODS
    assert (creds.party_b, creds.receiving_party) == ("5551234", "5551234")
    with pytest.raises(InvalidParameter) as raised:
        validate_credentials(**_valid(transaction_type="CustomerBuyGoodsOnline"))
    assert (raised.value.param, raised.value.code) == ("party_b", "parameter_missing")


def test_a_paybill_may_carry_a_party_b_but_pays_the_shortcode() -> None:
    creds = validate_credentials(**_valid(party_b="600000"))
    assert (creds.party_b, creds.receiving_party) == ("600000", "174379")
    with pytest.raises(InvalidParameter) as raised:
        validate_credentials(**_valid(party_b="12"))
    assert raised.value.param == "party_b"


@pytest.mark.parametrize("shortcode", [17437, "17437", "1743791", 174379])
def test_shortcodes_are_5_to_7_digits_string_or_number(shortcode: object) -> None:
    assert validate_credentials(**_valid(business_short_code=shortcode)).business_short_code == str(shortcode)


@pytest.mark.parametrize("shortcode", ["1743", "17437912", "17437a", " 174379", True, 17.5, "١٧٤٣٧٩"])
def test_other_shortcodes_are_refused(shortcode: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        validate_credentials(**_valid(business_short_code=shortcode))
    assert (raised.value.param, raised.value.code) == ("business_short_code", "parameter_invalid")


@pytest.mark.parametrize(
    "name", ["consumer_key", "consumer_secret", "business_short_code", "passkey", "transaction_type"]
)
def test_every_required_field_is_named_when_missing(name: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        validate_credentials(**_valid(**{name: None}))
    assert (raised.value.param, raised.value.code) == (name, "parameter_missing")


@pytest.mark.parametrize("name", ["consumer_key", "consumer_secret", "passkey"])
@pytest.mark.parametrize("bad", ["", "   ", 42, " padded", "padded ", "new\nline", "x" * 513])
def test_text_fields_must_be_printable_trimmed_and_bounded(name: str, bad: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        validate_credentials(**_valid(**{name: bad}))
    assert (raised.value.param, raised.value.code) == (name, "parameter_invalid")


def test_text_fields_may_be_512_characters() -> None:
    assert validate_credentials(**_valid(passkey="p" * 512)).passkey == "p" * 512


@pytest.mark.parametrize("kind", ["Paybill", "customerpaybillonline", "", 1])
def test_unknown_transaction_types_are_refused(kind: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        validate_credentials(**_valid(transaction_type=kind))
    assert (raised.value.param, raised.value.code) == ("transaction_type", "parameter_invalid")


@pytest.mark.parametrize("name", ["consumer_key", "consumer_secret", "passkey"])
def test_error_messages_never_echo_a_secret_value(name: str) -> None:
    bad_secret = "TOPSECRET-value-123 "  # trailing space makes it invalid
    with pytest.raises(InvalidParameter) as raised:
        validate_credentials(**_valid(**{name: bad_secret}))
    assert "TOPSECRET" not in str(raised.value)
    assert "TOPSECRET" not in raised.value.message


def test_repr_str_and_rich_never_show_the_secrets() -> None:
    creds = validate_credentials(**_valid())
    for shown in (repr(creds), str(creds), f"{creds}", pretty_repr(creds), repr([creds]), repr({"c": creds})):
        assert SECRET not in shown
        assert PASSKEY not in shown
        assert KEY not in shown
        assert "174379" in shown
        assert "…wxyz" in shown


def test_the_masked_view_has_no_secret() -> None:
    creds = validate_credentials(**_valid(transaction_type="CustomerBuyGoodsOnline", party_b="5551234"))
    view = view_of(creds, Environment.PRODUCTION, updated=1_700_000_000)
    assert view.consumer_key_last4 == "wxyz"
    assert (view.environment, view.business_short_code, view.party_b, view.updated) == (
        Environment.PRODUCTION,
        "174379",
        "5551234",
        1_700_000_000,
    )
    assert SECRET not in repr(view)
    assert PASSKEY not in repr(view)


def test_associated_data_binds_merchant_and_environment() -> None:
    assert associated_data("acct_1", Environment.SANDBOX) == b"acct_1:sandbox"
    assert associated_data("acct_1", Environment.PRODUCTION) != associated_data("acct_1", Environment.SANDBOX)
    assert associated_data("acct_2", Environment.SANDBOX) != associated_data("acct_1", Environment.SANDBOX)


def test_credentials_are_plain_data() -> None:
    creds = validate_credentials(**_valid())
    assert creds == DarajaCredentials(
        consumer_key=KEY,
        consumer_secret=SECRET,
        business_short_code="174379",
        passkey=PASSKEY,
        transaction_type=TransactionType.PAYBILL,
    )
