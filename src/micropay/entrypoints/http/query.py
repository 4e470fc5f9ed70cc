"""Query-string integers, strictly: digits only (``limit=1e2`` or ``limit=10.0`` is refused, naming the field)."""

from __future__ import annotations

from micropay.domain.errors import InvalidParameter


def query_integer(raw: str | None, name: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    """``None`` when absent; otherwise a decimal integer within the bounds, or ``InvalidParameter(name)``."""
    if raw is None:
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise InvalidParameter(name, f"{name} must be an integer.")
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidParameter(name, f"{name} must be {bounds}.")
    return value
