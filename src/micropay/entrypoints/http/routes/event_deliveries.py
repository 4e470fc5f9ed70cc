"""``/v1/events/{id}/deliveries`` and ``/v1/events/{id}/retry`` (contract §9)."""

from __future__ import annotations

from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from micropay.domain.model.idempotency import IdempotencyClaim
from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.webhooks.log import ListDeliveries, RetryEvent
from micropay.entrypoints.http.auth import require_secret_key
from micropay.entrypoints.http.guards import SECRET
from micropay.entrypoints.http.idempotency import IdempotentRunner, Outcome
from micropay.entrypoints.http.openapi_models import errors, ok
from micropay.entrypoints.http.routes._responses import json_response
from micropay.entrypoints.http.schemas import require_strict_body
from micropay.entrypoints.http.webhook_openapi import WebhookDeliveryList, WebhookDeliveryObject
from micropay.entrypoints.http.webhook_presenters import delivery_body, delivery_list
from micropay.entrypoints.http.webhook_schemas import RetryEventBody

TAG = ["Events"]
DELIVERY_ID = "^wd_[0-9A-Za-z]{24}$"


@get(
    "/v1/events/{event_id:str}/deliveries",
    guards=SECRET,
    tags=TAG,
    summary="The event's webhook deliveries, newest first, with their attempts",
    responses={200: ok(WebhookDeliveryList, "A page of deliveries"), **errors(400, 401, 403, 404, 503)},
)
@inject
async def list_event_deliveries(
    event_id: FromPath[str],
    principal: NamedDependency[Principal],
    list_deliveries: FromDishka[ListDeliveries],
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 10,
    starting_after: Annotated[str | None, QueryParameter(pattern=DELIVERY_ID)] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    found = await list_deliveries(principal.tenant, event_id=event_id, limit=limit, starting_after=starting_after)
    url = f"/v1/events/{event_id}/deliveries"
    return json_response(delivery_list(found[:limit], len(found) > limit, url))


@post(
    "/v1/events/{event_id:str}/retry",
    guards=SECRET,
    status_code=200,
    tags=TAG,
    summary="Deliver the event to one endpoint now (a manual attempt)",
    responses={
        200: ok(WebhookDeliveryObject, "The delivery after the attempt"),
        **errors(400, 401, 403, 404, 409, 422, 503),
    },
)
@inject
async def retry_event(
    request: Request[Any, Any, Any],
    event_id: FromPath[str],
    principal: NamedDependency[Principal],
    data: JSONBody[RetryEventBody],
    retry: FromDishka[RetryEvent],
    runner: FromDishka[IdempotentRunner],
) -> Response[bytes]:
    require_secret_key(principal)
    await require_strict_body(request, RetryEventBody)

    async def operation(_claim: IdempotencyClaim | None) -> Outcome:
        return json_response(delivery_body(await retry(principal.tenant, event_id, data.endpoint))), None

    return await runner.run(request, principal, operation)


ROUTES = [list_event_deliveries, retry_event]
