"""``/v1/webhook_endpoints`` (contract §9): register, list, retrieve, update, delete, rotate, recover, log."""

from __future__ import annotations

from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from micropay.domain.model.idempotency import IdempotencyClaim
from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.webhooks.endpoints import (
    DeleteEndpoint,
    GetEndpoint,
    ListEndpoints,
    RegisterEndpoint,
    RotateEndpointSecret,
    UpdateEndpoint,
)
from micropay.domain.use_cases.webhooks.log import ListDeliveries, RecoverEndpoint
from micropay.entrypoints.http.auth import require_secret_key
from micropay.entrypoints.http.guards import SECRET
from micropay.entrypoints.http.idempotency import IdempotentRunner, Outcome
from micropay.entrypoints.http.openapi_models import errors, ok
from micropay.entrypoints.http.routes._responses import json_response
from micropay.entrypoints.http.schemas import require_strict_body
from micropay.entrypoints.http.webhook_openapi import (
    WebhookDeliveryList,
    WebhookEndpointList,
    WebhookEndpointObject,
    WebhookRecovery,
)
from micropay.entrypoints.http.webhook_presenters import delivery_list, endpoint_body, endpoint_list
from micropay.entrypoints.http.webhook_schemas import (
    CreateEndpointBody,
    RecoverBody,
    RotateSecretBody,
    UpdateEndpointBody,
    present_fields,
)

TAG = ["Webhook endpoints"]
PATH = "/v1/webhook_endpoints"
ENDPOINT_ID = "^we_[0-9A-Za-z]{24}$"
DELIVERY_ID = "^wd_[0-9A-Za-z]{24}$"
Limit = Annotated[int, QueryParameter(ge=1, le=100)]


@post(
    PATH,
    guards=SECRET,
    status_code=201,
    tags=TAG,
    summary="Register an endpoint (its whsec_ secret is shown once)",
    responses={201: ok(WebhookEndpointObject, "The endpoint, with its secret"), **errors(400, 401, 403, 409, 422, 503)},
)
@inject
async def create_webhook_endpoint(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    data: JSONBody[CreateEndpointBody],
    register: FromDishka[RegisterEndpoint],
    runner: FromDishka[IdempotentRunner],
) -> Response[bytes]:
    require_secret_key(principal)
    await require_strict_body(request, CreateEndpointBody)
    payload = {"url": data.url, "enabled_events": data.enabled_events, "description": data.description}

    async def operation(claim: IdempotencyClaim | None) -> Outcome:
        created = await register(principal.tenant, payload, idempotency=claim)
        return json_response(endpoint_body(created.endpoint, secret=created.secret), 201), None

    return await runner.run(request, principal, operation)


@get(
    PATH,
    guards=SECRET,
    tags=TAG,
    summary="List endpoints, newest first",
    responses={200: ok(WebhookEndpointList, "A page of endpoints"), **errors(400, 401, 403, 503)},
)
@inject
async def list_webhook_endpoints(
    principal: NamedDependency[Principal],
    list_endpoints: FromDishka[ListEndpoints],
    limit: Limit = 10,
    starting_after: Annotated[str | None, QueryParameter(pattern=ENDPOINT_ID)] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    found = await list_endpoints(principal.tenant, limit=limit, starting_after=starting_after)
    return json_response(endpoint_list(found[:limit], len(found) > limit, PATH))


@get(
    PATH + "/{endpoint_id:str}",
    guards=SECRET,
    tags=TAG,
    summary="Retrieve an endpoint",
    responses={200: ok(WebhookEndpointObject, "The endpoint (never its secret)"), **errors(401, 403, 404, 503)},
)
@inject
async def retrieve_webhook_endpoint(
    endpoint_id: FromPath[str], principal: NamedDependency[Principal], get_endpoint: FromDishka[GetEndpoint]
) -> Response[bytes]:
    require_secret_key(principal)
    return json_response(endpoint_body(await get_endpoint(principal.tenant, endpoint_id)))


@post(
    PATH + "/{endpoint_id:str}",
    guards=SECRET,
    status_code=200,
    tags=TAG,
    summary="Update url, enabled_events, description or disabled",
    responses={200: ok(WebhookEndpointObject, "The endpoint"), **errors(400, 401, 403, 404, 409, 422, 503)},
)
@inject
async def update_webhook_endpoint(
    request: Request[Any, Any, Any],
    endpoint_id: FromPath[str],
    principal: NamedDependency[Principal],
    data: JSONBody[UpdateEndpointBody],
    update: FromDishka[UpdateEndpoint],
    runner: FromDishka[IdempotentRunner],
) -> Response[bytes]:
    require_secret_key(principal)
    await require_strict_body(request, UpdateEndpointBody)
    payload = present_fields(await request.json(), ("url", "enabled_events", "description", "disabled"))

    async def operation(_claim: IdempotencyClaim | None) -> Outcome:
        return json_response(endpoint_body(await update(principal.tenant, endpoint_id, payload))), None

    return await runner.run(request, principal, operation)


@delete(
    PATH + "/{endpoint_id:str}",
    guards=SECRET,
    status_code=200,
    tags=TAG,
    summary="Delete an endpoint and its deliveries",
    responses={200: ok(WebhookEndpointObject, "What was removed, with deleted: true"), **errors(401, 403, 404, 503)},
)
@inject
async def delete_webhook_endpoint(
    endpoint_id: FromPath[str], principal: NamedDependency[Principal], remove: FromDishka[DeleteEndpoint]
) -> Response[bytes]:
    require_secret_key(principal)
    return json_response(endpoint_body(await remove(principal.tenant, endpoint_id), deleted=True))


@post(
    PATH + "/{endpoint_id:str}/rotate_secret",
    guards=SECRET,
    status_code=200,
    tags=TAG,
    summary="A new secret (shown once); the old one keeps signing for expires_in seconds (default 24 h)",
    responses={
        200: ok(WebhookEndpointObject, "The endpoint, with its new secret"),
        **errors(400, 401, 403, 404, 409, 422, 503),
    },
)
@inject
async def rotate_webhook_secret(
    request: Request[Any, Any, Any],
    endpoint_id: FromPath[str],
    principal: NamedDependency[Principal],
    rotate: FromDishka[RotateEndpointSecret],
    runner: FromDishka[IdempotentRunner],
    data: JSONBody[RotateSecretBody | None] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    await require_strict_body(request, RotateSecretBody)
    expires_in = data.expires_in if data else None

    async def operation(_claim: IdempotencyClaim | None) -> Outcome:
        rotated = await rotate(principal.tenant, endpoint_id, expires_in)
        return json_response(endpoint_body(rotated.endpoint, secret=rotated.secret)), None

    return await runner.run(request, principal, operation)


@post(
    PATH + "/{endpoint_id:str}/recover",
    guards=SECRET,
    status_code=202,
    tags=TAG,
    summary="Reschedule every failed or never-attempted delivery since a time (at most 14 days back)",
    responses={
        202: ok(WebhookRecovery, "How many deliveries were rescheduled"),
        **errors(400, 401, 403, 404, 409, 422, 503),
    },
)
@inject
async def recover_webhook_endpoint(
    request: Request[Any, Any, Any],
    endpoint_id: FromPath[str],
    principal: NamedDependency[Principal],
    data: JSONBody[RecoverBody],
    recover: FromDishka[RecoverEndpoint],
    runner: FromDishka[IdempotentRunner],
) -> Response[bytes]:
    require_secret_key(principal)
    await require_strict_body(request, RecoverBody)

    async def operation(_claim: IdempotencyClaim | None) -> Outcome:
        report = await recover(principal.tenant, endpoint_id, data.since, data.until)
        body = WebhookRecovery(
            endpoint=endpoint_id, since=report.since, until=report.until, rescheduled=report.rescheduled
        )
        return json_response(body, 202), None

    return await runner.run(request, principal, operation)


@get(
    PATH + "/{endpoint_id:str}/deliveries",
    guards=SECRET,
    tags=TAG,
    summary="The endpoint's deliveries, newest first, with their attempts",
    responses={200: ok(WebhookDeliveryList, "A page of deliveries"), **errors(400, 401, 403, 404, 503)},
)
@inject
async def list_endpoint_deliveries(
    endpoint_id: FromPath[str],
    principal: NamedDependency[Principal],
    list_deliveries: FromDishka[ListDeliveries],
    limit: Limit = 10,
    starting_after: Annotated[str | None, QueryParameter(pattern=DELIVERY_ID)] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    found = await list_deliveries(principal.tenant, endpoint_id=endpoint_id, limit=limit, starting_after=starting_after)
    url = f"{PATH}/{endpoint_id}/deliveries"
    return json_response(delivery_list(found[:limit], len(found) > limit, url))


ROUTES = [
    create_webhook_endpoint,
    list_webhook_endpoints,
    retrieve_webhook_endpoint,
    update_webhook_endpoint,
    delete_webhook_endpoint,
    rotate_webhook_secret,
    recover_webhook_endpoint,
    list_endpoint_deliveries,
]
