"""Query-string integers, strictly: digits only (``limit=1e2`` or ``limit=10.0`` is refused, naming the field)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from micropay.domain.errors import InvalidParameter


def query_integer(raw: str | None, name: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    """``None`` when absent; otherwise a decimal integer within the bounds, or ``InvalidParameter(name)``."""
    if raw is None:
        return None
    text = raw
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise InvalidParameter(name, f"{name} must be an integer.")
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidParameter(name, f"{name} must be {bounds}.")
    return value


def strict_query_integers(request: Request[Any, Any, Any], **bounds: tuple[int, int]) -> None:
    """Re-check integer query parameters Litestar already converted (it takes ``1e2`` or ``10.0`` for 100 or
    10): each must be written as a decimal integer within its bounds."""
    for name, (minimum, maximum) in bounds.items():
        query_integer(request.query_params.get(name), name, minimum=minimum, maximum=maximum)
