"""``/v1/events`` and ``/v1/payment_intents/{id}/events`` (docs/api.md "Events"): secret key only."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from micropay.domain.model.events import Event
from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.events import CreatedRange, GetEvent, ListEvents, ListIntentEvents
from micropay.domain.use_cases.queries import LIMIT_MAX, LIMIT_MIN
from micropay.entrypoints.http.auth import require_secret_key
from micropay.entrypoints.http.guards import SECRET
from micropay.entrypoints.http.openapi_models import EventList, errors, ok
from micropay.entrypoints.http.presenters import event_list
from micropay.entrypoints.http.query import query_integer
from micropay.entrypoints.http.routes._responses import json_response

TAG = ["Events"]
Query = Annotated[str | None, QueryParameter()]


def _limit(raw: str | None, default: int) -> int:
    value = query_integer(raw, "limit", minimum=LIMIT_MIN, maximum=LIMIT_MAX)
    return default if value is None else value


@get(
    "/v1/events",
    guards=SECRET,
    tags=TAG,
    summary="List events, newest first",
    responses={200: ok(EventList, "A page of events"), **errors(400, 401, 403, 503)},
)
@inject
async def list_events(
    principal: NamedDependency[Principal],
    events: FromDishka[ListEvents],
    limit: Annotated[str | None, QueryParameter(description="1-100, default 10")] = None,
    starting_after: Query = None,
    ending_before: Query = None,
    type: Annotated[
        str | None, QueryParameter(description="An event type, or a prefix ending in * (payment_intent.*)")
    ] = None,
    types: Annotated[list[str] | None, QueryParameter(name="types[]", description="Up to 20 event types")] = None,
    created_gte: Annotated[str | None, QueryParameter(name="created[gte]")] = None,
    created_gt: Annotated[str | None, QueryParameter(name="created[gt]")] = None,
    created_lte: Annotated[str | None, QueryParameter(name="created[lte]")] = None,
    created_lt: Annotated[str | None, QueryParameter(name="created[lt]")] = None,
    delivery_success: Annotated[
        bool | None, QueryParameter(description="false: events with a webhook delivery not yet succeeded")
    ] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    created = CreatedRange(
        gte=query_integer(created_gte, "created[gte]"),
        gt=query_integer(created_gt, "created[gt]"),
        lte=query_integer(created_lte, "created[lte]"),
        lt=query_integer(created_lt, "created[lt]"),
    )
    page = await events(
        principal.tenant,
        limit=_limit(limit, 10),
        starting_after=starting_after,
        ending_before=ending_before,
        type=type,
        types=types or (),
        created=created,
        delivery_success=delivery_success,
    )
    return json_response(event_list(page.data, page.has_more, "/v1/events"))


@get(
    "/v1/events/{event_id:str}",
    guards=SECRET,
    tags=TAG,
    summary="Retrieve an event",
    responses={200: ok(Event, "The event"), **errors(401, 403, 404, 503)},
)
@inject
async def retrieve_event(
    event_id: FromPath[str], principal: NamedDependency[Principal], retrieve: FromDishka[GetEvent]
) -> Response[bytes]:
    require_secret_key(principal)
    return json_response(await retrieve(principal.tenant, event_id))


@get(
    "/v1/payment_intents/{intent_id:str}/events",
    guards=SECRET,
    tags=["Payment Intents", *TAG],
    summary="The events of a PaymentIntent, oldest first",
    responses={200: ok(EventList, "The intent's events"), **errors(400, 401, 403, 404, 503)},
)
@inject
async def list_intent_events(
    intent_id: FromPath[str],
    principal: NamedDependency[Principal],
    events: FromDishka[ListIntentEvents],
    limit: Annotated[str | None, QueryParameter(description="1-100, default 100")] = None,
    starting_after: Query = None,
) -> Response[bytes]:
    require_secret_key(principal)
    page = await events(principal.tenant, intent_id, limit=_limit(limit, 100), starting_after=starting_after)
    return json_response(event_list(page.data, page.has_more, f"/v1/payment_intents/{intent_id}/events"))


ROUTES = [list_events, retrieve_event, list_intent_events]
