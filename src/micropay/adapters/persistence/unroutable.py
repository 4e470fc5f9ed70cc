"""What is kept of a callback whose URL token matched nothing (issue 10, defect 5).

Anyone can POST to ``/webhooks/mpesa/<random>``; each used to store up to 64 KB, without limit or pruning.
A real Daraja callback is under 1 KB, and what an operator needs from an unroutable one is: when, which
token hint, what it said (enough to recognise a Daraja callback and its CheckoutRequestID) and whether two
are the same. So a body whose JSON encoding fits ``EXCERPT_BYTES`` is kept whole; a larger one is kept as
``{"micropay_excerpt": <its first EXCERPT_BYTES of JSON text>, "bytes": <size>, "sha256": <digest>}``.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

import msgspec

EXCERPT_BYTES: Final = 2048
#: Stored rows per rolling 60 s, across every process, unless the settings say otherwise.
DEFAULT_BUDGET_PER_MINUTE: Final = 10


def keepable(body: Any) -> Any:
    """``body`` itself when small, else a bounded excerpt with the size and SHA-256 of the whole."""
    encoded = msgspec.json.encode(body)
    if len(encoded) <= EXCERPT_BYTES:
        return body
    return {
        "micropay_excerpt": encoded[:EXCERPT_BYTES].decode("utf-8", "replace"),
        "bytes": len(encoded),
        "sha256": hashlib.sha256(encoded).hexdigest(),
    }
