"""``POST /webhooks/mpesa/{token}``: Daraja's STK callbacks (contract §4)."""

from __future__ import annotations

from typing import Any, Final

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, post

from micropay.domain.use_cases.handle_callback import HandleCallback
from micropay.entrypoints.http.openapi_models import CallbackAck, errors, ok
from micropay.entrypoints.http.routes._responses import json_response

ACCEPTED: Final = {"ResultCode": 0, "ResultDesc": "Accepted"}
MAX_BODY: Final = 64 * 1024


@post(
    "/webhooks/mpesa/{token:str}",
    status_code=200,
    tags=["Daraja callbacks"],
    summary="STK push result callback",
    responses={200: ok(CallbackAck, "Accepted (also for duplicates)"), **errors(400, 404, 503)},
)
@inject
async def mpesa_callback(
    request: Request[Any, Any, Any], token: str, handle: FromDishka[HandleCallback]
) -> Response[bytes]:
    """The URL token authenticates the callback (Daraja signs nothing). Duplicates answer 200 and change
    nothing; unknown token 404; unreadable body 400. Every body is stored raw first."""
    raw = await request.body()
    body: Any
    try:
        body = (
            msgspec.json.decode(raw[:MAX_BODY]) if len(raw) <= MAX_BODY else raw[:MAX_BODY].decode("utf-8", "replace")
        )
    except msgspec.DecodeError:
        body = raw.decode("utf-8", "replace")
    await handle(token, body)
    return json_response(ACCEPTED)


ROUTES = [mpesa_callback]
