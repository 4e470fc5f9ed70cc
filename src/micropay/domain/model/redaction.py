"""Reprs that never show a secret, for Structs that carry one (tokens, raw keys, client secrets).

msgspec's default ``__repr__`` and ``__rich_repr__`` show every field; a Struct holding a secret defines
``__repr__``/``__rich_repr__`` with these helpers, so the secret cannot reach a log line or a traceback
printed with locals.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

import msgspec

MASK = "***"

#: Characters of a callback token kept visible (attempts log, access log, unmatched callbacks).
TOKEN_HINT_LENGTH: Final = 6


def redacted_fields(struct: msgspec.Struct, secrets: Collection[str]) -> list[tuple[str, Any]]:
    return [
        (name, MASK if name in secrets and getattr(struct, name) is not None else getattr(struct, name))
        for name in struct.__struct_fields__
    ]


def redacted_repr(struct: msgspec.Struct, secrets: Collection[str]) -> str:
    shown = ", ".join(f"{name}={value!r}" for name, value in redacted_fields(struct, secrets))
    return f"{type(struct).__name__}({shown})"
