"""``/v1/mpesa_credentials`` (docs/api.md): secrets go in, only a masked view comes out."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.credentials import DeleteCredentials, GetCredentials, SetCredentials
from micropay.entrypoints.http.auth import require_secret_key
from micropay.entrypoints.http.guards import SECRET
from micropay.entrypoints.http.openapi_models import CredentialsObject, errors, ok
from micropay.entrypoints.http.presenters import credentials_body
from micropay.entrypoints.http.routes._responses import json_response
from micropay.entrypoints.http.schemas import CredentialsBody, require_strict_body

TAG = ["M-Pesa credentials"]
PATH = "/v1/mpesa_credentials"


@put(
    PATH,
    tags=TAG,
    summary="Set the Daraja credentials of the key's environment",
    guards=SECRET,
    responses={200: ok(CredentialsObject, "The masked view"), **errors(400, 401, 403, 503)},
)
@inject
async def put_credentials(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    data: JSONBody[CredentialsBody],
    store: FromDishka[SetCredentials],
) -> Response[bytes]:
    require_secret_key(principal)
    await require_strict_body(request, CredentialsBody)
    payload = {
        "consumer_key": data.consumer_key,
        "consumer_secret": data.consumer_secret,
        "business_short_code": data.business_short_code,
        "passkey": data.passkey,
        "transaction_type": data.transaction_type,
        "party_b": data.party_b,
    }
    return json_response(credentials_body(await store(principal.tenant, payload)))


@get(
    PATH,
    tags=TAG,
    summary="The masked view of the credentials",
    guards=SECRET,
    responses={200: ok(CredentialsObject, "The masked view"), **errors(401, 403, 404, 503)},
)
@inject
async def get_credentials(principal: NamedDependency[Principal], read: FromDishka[GetCredentials]) -> Response[bytes]:
    require_secret_key(principal)
    return json_response(credentials_body(await read(principal.tenant)))


@delete(
    PATH,
    status_code=200,
    tags=TAG,
    summary="Remove the credentials",
    guards=SECRET,
    responses={200: ok(CredentialsObject, "What was removed, with deleted: true"), **errors(401, 403, 404, 503)},
)
@inject
async def delete_credentials(
    principal: NamedDependency[Principal], remove: FromDishka[DeleteCredentials]
) -> Response[bytes]:
    require_secret_key(principal)
    return json_response(credentials_body(await remove(principal.tenant), deleted=True))


ROUTES = [put_credentials, get_credentials, delete_credentials]
