"""Object ids: a prefix plus 24 base62 characters, time-sortable so that lists page stably.

The first 8 characters encode milliseconds since the Unix epoch (base62, fixed width, enough until
the year 8000+), the remaining 16 are random. Ids of one prefix therefore sort by creation time, and
ids made in the same millisecond are ordered arbitrarily but stably.
"""

from __future__ import annotations

from typing import Final

BASE62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_BODY_LENGTH: Final = 24
_TIME_CHARS: Final = 8
_RANDOM_CHARS: Final = ID_BODY_LENGTH - _TIME_CHARS

INTENT_PREFIX: Final = "pi"
ATTEMPT_PREFIX: Final = "pa"
MERCHANT_PREFIX: Final = "acct"
API_KEY_PREFIX: Final = "key"
REQUEST_PREFIX: Final = "req"
EVENT_PREFIX: Final = "evt"


def encode_base62(number: int, width: int) -> str:
    if number < 0:
        raise ValueError("cannot encode a negative number")
    chars = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        chars.append(BASE62[rest])
    if number:
        raise ValueError("number does not fit the width")
    return "".join(reversed(chars))


def make_id(prefix: str, *, millis: int, entropy: int) -> str:
    """Build ``{prefix}_{8 time chars}{16 random chars}`` from a timestamp and a random integer."""
    return f"{prefix}_{encode_base62(millis, _TIME_CHARS)}{encode_base62(entropy % 62**_RANDOM_CHARS, _RANDOM_CHARS)}"


def is_valid_id(value: object, prefix: str) -> bool:
    if not isinstance(value, str):
        return False
    head, sep, body = value.partition("_")
    return sep == "_" and head == prefix and len(body) == ID_BODY_LENGTH and all(c in BASE62 for c in body)


RANDOM_SPACE: Final = 62**_RANDOM_CHARS
