"""``/v1/users`` (the merchant's dashboard users) and ``GET /v1/me`` (contract §10).

Users belong to the dashboard: these routes need a session (API keys get 403 ``session_required``), and
adding or removing users needs the ``owner`` role (developers get 403 ``role_forbidden``).
"""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from micropay.domain.model.users import Permission
from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.users import CreateUser, DeleteUser, ListUsers, WhoAmI
from micropay.entrypoints.http.auth import require_permission, require_secret_key, require_session
from micropay.entrypoints.http.auth_models import CreateUserBody, Deleted, MeObject, UserList, UserObject
from micropay.entrypoints.http.auth_presenters import me_body, user_body, user_list
from micropay.entrypoints.http.guards import SECRET
from micropay.entrypoints.http.openapi_models import errors, ok
from micropay.entrypoints.http.routes._responses import json_response

TAG = ["Users"]


@get(
    "/v1/me",
    guards=SECRET,
    tags=TAG,
    summary="Who is calling",
    responses={200: ok(MeObject, "The caller"), **errors(401, 403, 503)},
)
@inject
async def me(principal: NamedDependency[Principal], whoami: FromDishka[WhoAmI]) -> Response[bytes]:
    require_secret_key(principal)
    merchant, user = await whoami(principal.tenant.merchant_id, principal.user_id)
    return json_response(me_body(principal.tenant.environment, merchant, user, principal.session_id))


@get(
    "/v1/users",
    guards=SECRET,
    tags=TAG,
    summary="The merchant's users",
    responses={200: ok(UserList, "Users"), **errors(401, 403, 503)},
)
@inject
async def list_users(principal: NamedDependency[Principal], users: FromDishka[ListUsers]) -> Response[bytes]:
    require_session(principal)
    found = await users(principal.tenant.merchant_id)
    return json_response(user_list(found, "/v1/users"))


@post(
    "/v1/users",
    guards=SECRET,
    status_code=200,
    tags=TAG,
    summary="Add a user (owners only)",
    responses={200: ok(UserObject, "The new user"), **errors(400, 401, 403, 503)},
)
@inject
async def create_user(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    data: JSONBody[CreateUserBody],
    create: FromDishka[CreateUser],
) -> Response[bytes]:
    require_session(principal)
    require_permission(principal, Permission.MANAGE_USERS)
    user = await create(principal.tenant.merchant_id, data.email, data.password, data.role)
    return json_response(user_body(user))


@delete(
    "/v1/users/{user_id:str}",
    guards=SECRET,
    status_code=200,
    tags=TAG,
    summary="Remove a user and end its sessions (owners only; not the last owner)",
    responses={200: ok(Deleted, "The removed user"), **errors(400, 401, 403, 404, 503)},
)
@inject
async def delete_user(
    user_id: FromPath[str], principal: NamedDependency[Principal], remove: FromDishka[DeleteUser]
) -> Response[bytes]:
    require_session(principal)
    require_permission(principal, Permission.MANAGE_USERS)
    removed = await remove(principal.tenant.merchant_id, user_id)
    return json_response(Deleted(id=removed.id, object="user"))


ROUTES = [me, list_users, create_user, delete_user]
