"""Request bodies (msgspec Structs: unknown fields are refused with ``parameter_unknown``).

Types here are deliberately loose where the domain validates the value itself, so that errors name the
field and the rule (``amount_invalid``, ``phone_number_invalid``…) rather than a JSON type.
"""

from __future__ import annotations

from typing import Any

import msgspec

from micropay.domain.errors import InvalidParameter


class CreateIntentBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    amount: int
    currency: str
    phone_number: str | None = None
    account_reference: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    confirm: bool = False


class ConfirmIntentBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    phone_number: str | None = None
    client_secret: str | None = None


class CancelIntentBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    cancellation_reason: str | None = None


class EmptyBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Endpoints that take no parameters still refuse unknown ones."""


class CredentialsBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    consumer_key: str | None = None
    consumer_secret: str | None = None
    business_short_code: str | int | None = None
    passkey: str | None = None
    transaction_type: str | None = None
    party_b: str | int | None = None


class RollKeyBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    type: str | None = None
    expires_in: int | None = None


def require_json_integer(raw_body: Any, field: str, code: str = "parameter_invalid") -> None:
    """Refuse a field whose JSON value is not an integer.

    Litestar converts bodies leniently (msgspec ``strict=False``): ``"1500"`` and ``1500.0`` would both
    reach the domain as ``1500``. ``raw_body`` is the already parsed JSON (``request.json()`` is cached).
    """
    if isinstance(raw_body, dict) and field in raw_body and type(raw_body[field]) is not int:
        raise InvalidParameter(field, f"{field} must be an integer.", code)
