"""Daraja credentials a merchant brings (per environment), and the masked view that is all we ever show."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Final

import msgspec

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.environment import Environment

_SHORTCODE: Final = re.compile(r"\d{5,7}", re.ASCII)  # ASCII: \d would take any digit
_FIELD_MAX: Final = 512
#: How much of the consumer key the masked view (and a ``repr``) shows: its last characters.
CONSUMER_KEY_HINT_LENGTH: Final = 4


class TransactionType(StrEnum):
    PAYBILL = "CustomerPayBillOnline"
    BUY_GOODS = "CustomerBuyGoodsOnline"


class DarajaCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """Plaintext credentials. They live only as long as the call that needs them.

    ``repr`` never shows the consumer secret, passkey or consumer key; the JSON encoding (used only to
    seal them in the vault) does.
    """

    consumer_key: str
    consumer_secret: str
    business_short_code: str
    passkey: str
    transaction_type: TransactionType
    party_b: str | None = None

    def __repr__(self) -> str:
        return (
            f"DarajaCredentials(business_short_code={self.business_short_code!r}, "
            f"transaction_type={self.transaction_type.value!r}, party_b={self.party_b!r}, "
            f"consumer_key='…{self.consumer_key[-CONSUMER_KEY_HINT_LENGTH:]}', consumer_secret='***', passkey='***')"
        )

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        """msgspec's default would show every field to rich (pretty printing, tracebacks with locals)."""
        return [
            ("business_short_code", self.business_short_code),
            ("transaction_type", self.transaction_type.value),
            ("party_b", self.party_b),
            ("consumer_key", f"…{self.consumer_key[-CONSUMER_KEY_HINT_LENGTH:]}"),
            ("consumer_secret", "***"),
            ("passkey", "***"),
        ]

    @property
    def receiving_party(self) -> str:
        """Daraja's ``PartyB``: the paybill itself, or the till for buy-goods."""
        return (
            self.party_b
            if self.transaction_type is TransactionType.BUY_GOODS and self.party_b
            else self.business_short_code
        )


class CredentialsView(msgspec.Struct, frozen=True, kw_only=True):
    """What the API returns: no secret, only what helps a merchant recognise their setup."""

    environment: Environment
    business_short_code: str
    transaction_type: TransactionType
    party_b: str | None
    consumer_key_last4: str
    updated: int


def _required_text(name: str, raw: object) -> str:
    if raw is None:
        raise InvalidParameter(name, f"Missing required param: {name}.", "parameter_missing")
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidParameter(name, f"{name} must be a non-empty string.")
    if len(raw) > _FIELD_MAX or raw != raw.strip() or not raw.isprintable():
        raise InvalidParameter(
            name, f"{name} must be printable, without surrounding spaces, at most {_FIELD_MAX} characters."
        )
    return raw


def _shortcode(name: str, raw: object) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if raw is None:
        raise InvalidParameter(name, f"Missing required param: {name}.", "parameter_missing")
    if not isinstance(raw, str) or not _SHORTCODE.fullmatch(raw):
        raise InvalidParameter(name, f"{name} must be 5 to 7 digits.")
    return raw


def validate_credentials(
    *,
    consumer_key: object,
    consumer_secret: object,
    business_short_code: object,
    passkey: object,
    transaction_type: object,
    party_b: object = None,
) -> DarajaCredentials:
    """Check a merchant's credentials; error messages never echo a secret value."""
    key = _required_text("consumer_key", consumer_key)
    secret = _required_text("consumer_secret", consumer_secret)
    code = _shortcode("business_short_code", business_short_code)
    pk = _required_text("passkey", passkey)
    if transaction_type is None:
        raise InvalidParameter("transaction_type", "Missing required param: transaction_type.", "parameter_missing")
    try:
        kind = TransactionType(str(transaction_type))
    except ValueError:
        raise InvalidParameter(
            "transaction_type", "transaction_type must be CustomerPayBillOnline or CustomerBuyGoodsOnline."
        ) from None
    till: str | None = None
    if kind is TransactionType.BUY_GOODS:
        if party_b is None:
            raise InvalidParameter(
                "party_b",
                "party_b (the till number) is required for CustomerBuyGoodsOnline.",
                "parameter_missing",
            )
        till = _shortcode("party_b", party_b)
    elif party_b is not None:
        till = _shortcode("party_b", party_b)
    return DarajaCredentials(
        consumer_key=key,
        consumer_secret=secret,
        business_short_code=code,
        passkey=pk,
        transaction_type=kind,
        party_b=till,
    )


def view_of(credentials: DarajaCredentials, environment: Environment, updated: int) -> CredentialsView:
    return CredentialsView(
        environment=environment,
        business_short_code=credentials.business_short_code,
        transaction_type=credentials.transaction_type,
        party_b=credentials.party_b,
        consumer_key_last4=credentials.consumer_key[-CONSUMER_KEY_HINT_LENGTH:],
        updated=updated,
    )


def associated_data(merchant_id: str, environment: Environment) -> bytes:
    """The AES-GCM associated data that binds a sealed blob to its merchant and environment (docs/api.md)."""
    return f"{merchant_id}:{environment.value}".encode()
