"""``POST /v1/api_keys/roll`` (contract §5) and ``GET /v1/api_keys`` (§10)."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from micropay.domain.model.idempotency import IdempotencyClaim
from micropay.domain.model.users import Permission
from micropay.domain.use_cases.api_key_listing import ListApiKeys
from micropay.domain.use_cases.api_keys import Principal, RollApiKey
from micropay.entrypoints.http.auth import require_permission, require_secret_key
from micropay.entrypoints.http.auth_models import ApiKeyList
from micropay.entrypoints.http.auth_presenters import api_key_list, issued_key_body
from micropay.entrypoints.http.guards import SECRET
from micropay.entrypoints.http.idempotency import IdempotentRunner, Outcome
from micropay.entrypoints.http.openapi_models import ApiKeyObject, errors, ok
from micropay.entrypoints.http.routes._responses import json_response
from micropay.entrypoints.http.schemas import RollKeyBody, require_strict_body


@post(
    "/v1/api_keys/roll",
    status_code=200,
    tags=["API keys"],
    summary="Roll a key: a new one, shown once",
    guards=SECRET,
    responses={200: ok(ApiKeyObject, "The new key (shown once)"), **errors(400, 401, 403, 409, 422, 503)},
)
@inject
async def roll_api_key(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    data: JSONBody[RollKeyBody],
    roll: FromDishka[RollApiKey],
    runner: FromDishka[IdempotentRunner],
) -> Response[bytes]:
    """Without ``expires_in`` the current keys of that type stop working at once; with it, after that
    many seconds (at most 7 days)."""
    require_secret_key(principal)
    require_permission(principal, Permission.ROLL_KEYS)
    await require_strict_body(request, RollKeyBody)

    async def operation(_claim: IdempotencyClaim | None) -> Outcome:
        issued = await roll(principal.tenant, data.type, data.expires_in)
        return json_response(issued_key_body(issued)), issued

    return await runner.run(request, principal, operation)


@get(
    "/v1/api_keys",
    tags=["API keys"],
    summary="The environment's working keys: prefixes, types, created, expires (never a key)",
    responses={200: ok(ApiKeyList, "Keys"), **errors(401, 403, 503)},
)
@inject
async def list_api_keys(principal: NamedDependency[Principal], keys: FromDishka[ListApiKeys]) -> Response[bytes]:
    require_secret_key(principal)
    found = await keys(principal.tenant)
    return json_response(api_key_list(found, "/v1/api_keys"))


ROUTES = [roll_api_key, list_api_keys]
