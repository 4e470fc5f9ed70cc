"""Which API request caused a change: the ``request`` of the events it writes."""

from __future__ import annotations

from typing import Any

from litestar import Request

from micropay.domain.model.events import EventRequest
from micropay.entrypoints.http.request_context import current_request_id


def event_request(request: Request[Any, Any, Any]) -> EventRequest:
    """The Request-Id of this request and its Idempotency-Key (None without one)."""
    return EventRequest(id=current_request_id(), idempotency_key=request.headers.get("idempotency-key"))
