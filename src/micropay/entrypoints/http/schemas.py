"""Request bodies (msgspec Structs: unknown fields are refused with ``parameter_unknown``).

The constraints declared here are the ones the API enforces, so the OpenAPI document tells the truth;
the domain checks them again (it is used in-process too). Where a rule is richer than a JSON schema can
say (phone number forms, metadata limits) the type stays loose and the domain names the field and rule.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.redaction import redacted_fields, redacted_repr

Amount = Annotated[
    int,
    msgspec.Meta(
        ge=100,
        le=25_000_000,
        multiple_of=100,
        description="KES in cents: a multiple of 100 (M-Pesa moves whole shillings), KES 1 to KES 250,000.",
        examples=[150_000],
    ),
]
Currency = Annotated[str, msgspec.Meta(pattern="^[Kk][Ee][Ss]$", description="Only `kes`.", examples=["kes"])]
PhoneNumber = Annotated[
    str,
    msgspec.Meta(
        description="07XXXXXXXX, 01XXXXXXXX, +2547…, 2547… or 2541… (spaces and dashes ignored); stored as 12 digits.",
        examples=["0708374149"],
    ),
]
AccountReference = Annotated[str, msgspec.Meta(pattern="^[A-Za-z0-9]{1,12}$", examples=["INV1001"])]
Description = Annotated[str, msgspec.Meta(max_length=100)]
Metadata = Annotated[
    dict[str, Any],
    msgspec.Meta(description="Up to 50 keys of at most 40 characters, with string values of at most 500 characters."),
]
CancellationReason = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
#: Field names whose constraint failures have a code of their own, and the message that explains the rule.
FIELD_RULES: Final = {
    "amount": (
        "amount_invalid",
        "amount must be an integer number of KES cents: a multiple of 100 from 100 to 25000000.",
    ),
    "currency": ("parameter_invalid", "Invalid currency: only 'kes' is supported."),
    "account_reference": (
        "parameter_invalid",
        "account_reference must be 1 to 12 characters, letters and digits only.",
    ),
    "phone_number": ("phone_number_invalid", "phone_number must be a string such as 0708374149 or 254708374149."),
}


class CreateIntentBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    amount: Amount
    currency: Currency
    phone_number: PhoneNumber | None = None
    account_reference: AccountReference | None = None
    description: Description | None = None
    metadata: Metadata | None = None
    confirm: bool = False


class ConfirmIntentBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    phone_number: PhoneNumber | None = None
    client_secret: str | None = None

    def __repr__(self) -> str:
        return redacted_repr(self, ("client_secret",))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("client_secret",))


class CancelIntentBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    cancellation_reason: CancellationReason | None = None


class EmptyBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Endpoints that take no parameters still refuse unknown ones."""


Shortcode = Annotated[str, msgspec.Meta(pattern="^[0-9]{5,7}$", examples=["174379"])]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class CredentialsBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Your Daraja app's keys for the API key's environment. Never returned; stored sealed (AES-256-GCM)."""

    consumer_key: Secret
    consumer_secret: Secret
    business_short_code: Shortcode | int
    passkey: Secret
    transaction_type: Literal["CustomerPayBillOnline", "CustomerBuyGoodsOnline"]
    party_b: Annotated[Shortcode | int, msgspec.Meta(description="The till number (buy-goods only).")] | None = None

    def __repr__(self) -> str:
        return redacted_repr(self, ("consumer_key", "consumer_secret", "passkey"))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("consumer_key", "consumer_secret", "passkey"))


class RollKeyBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    type: Literal["secret", "publishable"] | None = None
    expires_in: Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 3600)] | None = None


def require_json_integer(raw_body: Any, field: str, code: str = "parameter_invalid") -> None:
    """Refuse a field whose JSON value is not an integer.

    Litestar converts bodies leniently (msgspec ``strict=False``): ``"1500"`` and ``1500.0`` would both
    reach the domain as ``1500``. ``raw_body`` is the already parsed JSON (``request.json()`` is cached).
    """
    if isinstance(raw_body, dict) and field in raw_body and type(raw_body[field]) is not int:
        raise InvalidParameter(field, f"{field} must be an integer.", code)
