"""The webhook endpoints API's parameters, validated once at the edge of the core (contract §9)."""

from __future__ import annotations

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.webhooks import (
    MAX_DESCRIPTION,
    MAX_ENABLED_EVENTS,
    MAX_ROTATION_OVERLAP,
    RECOVER_WINDOW_SECONDS,
)


def validate_enabled_events(value: object, known_types: frozenset[str]) -> tuple[str, ...]:
    """A non-empty list of known event types, ``*``, or ``prefix.*`` of known types; duplicates dropped."""
    if not isinstance(value, list | tuple) or not value:
        raise InvalidParameter("enabled_events", 'enabled_events must be a non-empty list, e.g. ["*"].')
    if len(value) > MAX_ENABLED_EVENTS:
        raise InvalidParameter("enabled_events", f"enabled_events may list at most {MAX_ENABLED_EVENTS} types.")
    result: list[str] = []
    for item in value:
        if not isinstance(item, str) or not _known(item, known_types):
            raise InvalidParameter("enabled_events", f"Unknown event type in enabled_events: {item!r}.")
        if item not in result:
            result.append(item)
    return tuple(result)


def _known(pattern: str, known_types: frozenset[str]) -> bool:
    if pattern == "*" or pattern in known_types:
        return True
    return pattern.endswith(".*") and any(t.startswith(pattern[:-1]) for t in known_types)


def validate_description(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise InvalidParameter("description", f"description must be a string of at most {MAX_DESCRIPTION} characters.")
    return value


def validate_overlap(expires_in: object) -> int:
    """``rotate_secret``'s ``expires_in``: 0 to 24 h, default 24 h."""
    if expires_in is None:
        return MAX_ROTATION_OVERLAP
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or not 0 <= expires_in <= MAX_ROTATION_OVERLAP:
        raise InvalidParameter("expires_in", f"expires_in must be an integer from 0 to {MAX_ROTATION_OVERLAP} seconds.")
    return expires_in


def recover_window(since: object, until: object, now: int) -> tuple[int, int]:
    """``recover``'s window: ``since`` at most 14 days back, ``until`` (default now) not before ``since``."""
    if since is None:
        raise InvalidParameter("since", "Missing required param: since.", code="parameter_missing")
    if isinstance(since, bool) or not isinstance(since, int):
        raise InvalidParameter("since", "since must be a Unix timestamp (seconds).")
    if since < now - RECOVER_WINDOW_SECONDS:
        raise InvalidParameter("since", "since may be at most 14 days ago.")
    end = now if until is None else until
    if isinstance(end, bool) or not isinstance(end, int) or end < since:
        raise InvalidParameter("until", "until must be a Unix timestamp not before since.")
    return since, end
