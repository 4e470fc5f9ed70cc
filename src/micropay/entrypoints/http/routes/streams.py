"""Event streams (contract §11): ``GET /v1/payment_intents/{id}/stream`` and ``GET /v1/events/stream``."""

from __future__ import annotations

from typing import Annotated, Any, Final

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, get
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from micropay.domain.model.api_keys import KeyType
from micropay.domain.model.events import Event
from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.stream_events import OpenEventStream, StreamStart
from micropay.entrypoints.http.auth import client_secret_for, require_secret_key
from micropay.entrypoints.http.openapi_models import errors
from micropay.entrypoints.http.sse import sse_body
from micropay.entrypoints.http.stream_auth import provide_stream_principal
from micropay.entrypoints.http.stream_slots import StreamSlots
from micropay.entrypoints.settings import Settings

TAG: Final = ["Realtime"]
EVENT_STREAM: Final = "text/event-stream"
_HEADERS: Final = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_STREAM_OK: Final = ResponseSpec(
    data_container=Event,
    media_type=EVENT_STREAM,
    description="Server-sent events: `id: evt_…`, `event: <type>`, `data: <Event JSON>`; `: keep-alive` comments",
)
AfterParam = Annotated[
    str | None, QueryParameter(description="Resume after this event id (the Last-Event-ID header wins)")
]


def _resume_point(request: Request[Any, Any, Any], after: str | None) -> tuple[str | None, str]:
    """``Last-Event-ID`` (what EventSource sends when it reconnects) wins over ``?after=`` (the URL it reuses)."""
    header = request.headers.get("last-event-id")
    if header:
        return header.strip(), "Last-Event-ID"
    return after, "after"


async def _open(
    open_stream: OpenEventStream, principal: Principal, slots: StreamSlots, settings: Settings, start: StreamStart
) -> Stream:
    stream = await open_stream(principal.tenant, start)
    slot = slots.take(principal.tenant)
    return Stream(
        sse_body(stream, slot, settings.stream_keepalive),
        media_type=EVENT_STREAM,
        headers=_HEADERS,
        background=BackgroundTask(slot.release),  # also when the body never ran (the client left at once)
    )


@get(
    "/v1/payment_intents/{intent_id:str}/stream",
    tags=TAG,
    summary="Stream a PaymentIntent's events (server-sent events)",
    description=(
        "The intent's events from its first (or after `Last-Event-ID` / `after`), then each as it commits. "
        "Secret key, or publishable key with `client_secret`; browsers' EventSource may pass the publishable "
        "key as `key`."
    ),
    dependencies={"principal": Provide(provide_stream_principal)},
    responses={200: _STREAM_OK, **errors(400, 401, 403, 404, 429, 503)},
)
@inject
async def stream_payment_intent(
    request: Request[Any, Any, Any],
    intent_id: FromPath[str],
    principal: NamedDependency[Principal],
    open_stream: FromDishka[OpenEventStream],
    slots: FromDishka[StreamSlots],
    settings: FromDishka[Settings],
    after: AfterParam = None,
    client_secret: Annotated[str | None, QueryParameter()] = None,
    key: Annotated[str | None, QueryParameter(description="A publishable key, for EventSource")] = None,
) -> Stream:
    del key  # read by provide_stream_principal
    secret = client_secret_for(principal, client_secret)
    resume, param = _resume_point(request, after)
    start = StreamStart(
        intent_id=intent_id,
        after=resume,
        after_param=param,
        client_secret=secret,
        reduced=principal.key_type is not KeyType.SECRET,
    )
    return await _open(open_stream, principal, slots, settings, start)


@get(
    "/v1/events/stream",
    tags=TAG,
    summary="Stream the account's events (server-sent events)",
    description="Events as they commit (or after `Last-Event-ID` / `after`). Secret key or dashboard session.",
    responses={200: _STREAM_OK, **errors(400, 401, 403, 429, 503)},
)
@inject
async def stream_events(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    open_stream: FromDishka[OpenEventStream],
    slots: FromDishka[StreamSlots],
    settings: FromDishka[Settings],
    after: AfterParam = None,
) -> Stream:
    require_secret_key(principal)
    resume, param = _resume_point(request, after)
    return await _open(open_stream, principal, slots, settings, StreamStart(after=resume, after_param=param))


ROUTES = [stream_payment_intent, stream_events]
