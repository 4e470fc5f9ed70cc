"""Request bodies (msgspec Structs: unknown fields are refused with ``parameter_unknown``).

The constraints declared here are the ones the API enforces, so the OpenAPI document tells the truth;
the domain checks them again (it is used in-process too). Where a rule is richer than a JSON schema can
say (phone number forms, metadata limits) the type stays loose and the domain names the field and rule.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

import msgspec
from litestar import Request

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.api_keys import KeyType
from micropay.domain.model.credentials import TransactionType
from micropay.domain.model.fields import (
    ACCOUNT_REFERENCE_MAX,
    ACCOUNT_REFERENCE_PATTERN,
    CANCELLATION_REASON_MAX,
    DESCRIPTION_MAX,
    METADATA_KEY_MAX,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX,
)
from micropay.domain.model.money import CENTS_PER_SHILLING, MAX_AMOUNT, MIN_AMOUNT
from micropay.domain.model.redaction import redacted_fields, redacted_repr

Amount = Annotated[
    int,
    msgspec.Meta(
        ge=MIN_AMOUNT,
        le=MAX_AMOUNT,
        multiple_of=CENTS_PER_SHILLING,
        description=(
            f"KES in cents: a multiple of {CENTS_PER_SHILLING} (M-Pesa moves whole shillings), "
            f"KES {MIN_AMOUNT // CENTS_PER_SHILLING:,} to KES {MAX_AMOUNT // CENTS_PER_SHILLING:,}."
        ),
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
AccountReference = Annotated[str, msgspec.Meta(pattern=f"^{ACCOUNT_REFERENCE_PATTERN}$", examples=["INV1001"])]
Description = Annotated[str, msgspec.Meta(max_length=DESCRIPTION_MAX)]
Metadata = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description=(
            f"Up to {METADATA_MAX_KEYS} keys of at most {METADATA_KEY_MAX} characters, "
            f"with string values of at most {METADATA_VALUE_MAX} characters."
        )
    ),
]
CancellationReason = Annotated[str, msgspec.Meta(min_length=1, max_length=CANCELLATION_REASON_MAX)]
#: Field names whose constraint failures have a code of their own, and the message that explains the rule.
FIELD_RULES: Final = {
    "amount": (
        "amount_invalid",
        f"amount must be an integer number of KES cents: a multiple of {CENTS_PER_SHILLING} "
        f"from {MIN_AMOUNT} to {MAX_AMOUNT}.",
    ),
    "currency": ("parameter_invalid", "Invalid currency: only 'kes' is supported."),
    "account_reference": (
        "parameter_invalid",
        f"account_reference must be 1 to {ACCOUNT_REFERENCE_MAX} characters, letters and digits only.",
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
    transaction_type: TransactionType
    party_b: Annotated[Shortcode | int, msgspec.Meta(description="The till number (buy-goods only).")] | None = None

    def __repr__(self) -> str:
        return redacted_repr(self, ("consumer_key", "consumer_secret", "passkey"))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("consumer_key", "consumer_secret", "passkey"))


class RollKeyBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    type: KeyType | None = None
    expires_in: Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 3600)] | None = None


_AT_FIELD: Final = re.compile(r"Expected `([^`]*)`.* - at `\$\.([A-Za-z_][A-Za-z0-9_]*)")
_JSON_TYPES: Final = {"int": "an integer", "bool": "a boolean (true or false)", "str": "a string"}


async def require_strict_body(request: Request[Any, Any, Any], model: type[msgspec.Struct]) -> None:
    """Refuse a body whose JSON types are not exactly the model's, naming the field.

    Litestar converts bodies leniently (msgspec ``strict=False``): ``"1500"``, ``1500.0``, ``"true"`` and ``1``
    would reach the domain as ``1500`` and ``True``. This re-reads the (cached) body strictly: booleans must be
    JSON booleans and integers JSON integers, everywhere. Call it after the principal is authorized.
    """
    raw = await request.body()
    if not raw.strip():
        return
    try:
        msgspec.json.decode(raw, type=model, strict=True)
    except msgspec.ValidationError as exc:
        match = _AT_FIELD.search(str(exc))
        if match is None:  # pragma: no cover - Litestar's lenient parse already refused everything else
            raise InvalidParameter("body", f"Invalid request body: {exc}.") from None
        expected, field = match.group(1), match.group(2)
        code, _ = FIELD_RULES.get(field, ("parameter_invalid", ""))
        kind = next((name for key, name in _JSON_TYPES.items() if expected.startswith(key)), None)
        message = f"{field} must be {kind}." if kind else f"Invalid {field}: {str(exc).split(' - ')[0]}."
        raise InvalidParameter(field, message.replace("`", ""), code) from None
    except msgspec.DecodeError:
        return  # not JSON: Litestar's own parse has answered json_invalid already
