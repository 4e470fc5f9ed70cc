"""Request bodies of the webhook routes (unknown fields refused with ``parameter_unknown``).

Types stay loose where the domain names the field and rule more precisely (``url_invalid``, event types).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

Url = Annotated[
    str, msgspec.Meta(description="http(s) URL, at most 2048 characters", examples=["https://shop.example/hooks"])
]


class CreateEndpointBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    url: Url
    enabled_events: list[str]
    description: str | None = None


class UpdateEndpointBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    url: Url | None = None
    enabled_events: list[str] | None = None
    description: str | None = None
    disabled: bool | None = None


class RotateSecretBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    expires_in: Annotated[int, msgspec.Meta(ge=0, le=86400)] | None = None


class RetryEventBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    endpoint: str


class RecoverBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    since: int
    until: int | None = None


def present_fields(raw: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields the caller actually sent (an explicit null counts: it clears ``description``)."""
    if not isinstance(raw, dict):
        return {}
    return {name: raw[name] for name in names if name in raw}
