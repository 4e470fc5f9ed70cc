"""``/v1/auth/*``: sign-up, login, refresh, logout, sessions and password (contract §10).

These routes do not take ``Idempotency-Key``: a login or refresh answers tokens that must never be stored,
and logging out or revoking twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model.sessions import RevokedReason
from micropay.domain.use_cases._accounts import SessionIssued
from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.sessions import ChangePassword, ListSessions, LogIn, LogOut, Refresh
from micropay.domain.use_cases.users import SignUp
from micropay.entrypoints.http.auth import require_session
from micropay.entrypoints.http.auth_models import (
    Deleted,
    LoginBody,
    PasswordBody,
    PasswordChanged,
    RefreshBody,
    SessionList,
    SessionTokens,
    SignupBody,
)
from micropay.entrypoints.http.auth_presenters import session_list, tokens_body
from micropay.entrypoints.http.openapi_models import ANONYMOUS, errors, ok
from micropay.entrypoints.http.routes._responses import json_response
from micropay.entrypoints.http.session_cookies import cleared_cookies, refresh_token_from_cookie, session_cookies

TAG = ["Dashboard sessions"]


def _issued(request: Request[Any, Any, Any], issued: SessionIssued) -> Response[bytes]:
    response = json_response(tokens_body(issued))
    response.cookies.extend(session_cookies(request, issued.refresh_token))
    response.headers["Cache-Control"] = "no-store"
    return response


@post(
    "/v1/auth/signup",
    status_code=200,
    tags=TAG,
    security=ANONYMOUS,
    summary="Create a merchant, its keys and an owner user, and log in (MICROPAY_SIGNUP=open only)",
    responses={200: ok(SessionTokens, "The new session"), **errors(400, 403, 503)},
)
@inject
async def sign_up(
    request: Request[Any, Any, Any], data: JSONBody[SignupBody], signup: FromDishka[SignUp]
) -> Response[bytes]:
    issued = await signup(data.email, data.password, data.business_name, request.headers.get("user-agent"))
    return _issued(request, issued)


@post(
    "/v1/auth/login",
    status_code=200,
    tags=TAG,
    security=ANONYMOUS,
    summary="Log in with email and password: an access token (1 h) and a refresh token",
    responses={200: ok(SessionTokens, "The new session"), **errors(400, 401, 429, 503)},
)
@inject
async def log_in(
    request: Request[Any, Any, Any], data: JSONBody[LoginBody], login: FromDishka[LogIn]
) -> Response[bytes]:
    """Wrong email and wrong password answer the same 401 ``invalid_credentials``; after 5 failures for one
    email within 15 minutes, 429 ``too_many_attempts`` with ``Retry-After``."""
    return _issued(request, await login(data.email, data.password, request.headers.get("user-agent")))


@post(
    "/v1/auth/refresh",
    status_code=200,
    tags=TAG,
    security=ANONYMOUS,
    summary="Exchange a refresh token (body, or the cookie with x-micropay-csrf) for a new pair",
    responses={200: ok(SessionTokens, "The next pair"), **errors(400, 401, 403, 503)},
)
@inject
async def refresh(
    request: Request[Any, Any, Any], rotate: FromDishka[Refresh], data: JSONBody[RefreshBody | None] = None
) -> Response[bytes]:
    """A spent token shown again within 10 s gets the same pair; later it revokes the session (401
    ``refresh_token_reused``)."""
    token = data.refresh_token if data is not None and data.refresh_token else refresh_token_from_cookie(request)
    if not token:
        raise InvalidParameter("refresh_token", "Missing required param: refresh_token.", "parameter_missing")
    return _issued(request, await rotate(token))


@post(
    "/v1/auth/logout",
    status_code=200,
    tags=TAG,
    summary="End this session",
    responses={200: ok(Deleted, "The ended session"), **errors(401, 403, 503)},
)
@inject
async def log_out(
    request: Request[Any, Any, Any], principal: NamedDependency[Principal], end: FromDishka[LogOut]
) -> Response[bytes]:
    user_id, session_id = require_session(principal)
    await end(principal.tenant.merchant_id, user_id, session_id, RevokedReason.LOGOUT)
    response = json_response(Deleted(id=session_id, object="session"))
    response.cookies.extend(cleared_cookies(request))
    return response


@get(
    "/v1/auth/sessions",
    tags=TAG,
    summary="Your live sessions, newest first",
    responses={200: ok(SessionList, "Sessions"), **errors(401, 403, 503)},
)
@inject
async def list_sessions(principal: NamedDependency[Principal], sessions: FromDishka[ListSessions]) -> Response[bytes]:
    user_id, session_id = require_session(principal)
    found = await sessions(principal.tenant.merchant_id, user_id)
    return json_response(session_list(found, session_id, "/v1/auth/sessions"))


@delete(
    "/v1/auth/sessions/{session_id:str}",
    status_code=200,
    tags=TAG,
    summary="End one of your sessions (its access tokens stop working at once)",
    responses={200: ok(Deleted, "The ended session"), **errors(401, 403, 404, 503)},
)
@inject
async def revoke_session(
    session_id: FromPath[str], principal: NamedDependency[Principal], end: FromDishka[LogOut]
) -> Response[bytes]:
    user_id, _ = require_session(principal)
    if not await end(principal.tenant.merchant_id, user_id, session_id, RevokedReason.REVOKED):
        raise ResourceMissing("session", session_id)
    return json_response(Deleted(id=session_id, object="session"))


@post(
    "/v1/auth/password",
    status_code=200,
    tags=TAG,
    summary="Change your password; every other session ends",
    responses={200: ok(PasswordChanged, "How many other sessions ended"), **errors(400, 401, 403, 429, 503)},
)
@inject
async def change_password(
    principal: NamedDependency[Principal], data: JSONBody[PasswordBody], change: FromDishka[ChangePassword]
) -> Response[bytes]:
    user_id, session_id = require_session(principal)
    ended = await change(principal.tenant.merchant_id, user_id, session_id, data.current_password, data.new_password)
    return json_response(PasswordChanged(sessions_ended=ended))


ROUTES = [sign_up, log_in, refresh, log_out, list_sessions, revoke_session, change_password]
