"""``POST /webhooks/mpesa/{token}``: Daraja's STK callbacks (docs/api.md)."""

from __future__ import annotations

from typing import Any, Final

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, post
from litestar.params import FromPath

from micropay.domain.use_cases.handle_callback import HandleCallback
from micropay.entrypoints.http.openapi_models import ANONYMOUS, CallbackAck, errors, ok
from micropay.entrypoints.http.routes._responses import json_response

ACCEPTED: Final = {"ResultCode": 0, "ResultDesc": "Accepted"}
MAX_BODY: Final = 64 * 1024


@post(
    "/webhooks/mpesa/{token:str}",
    status_code=200,
    tags=["Daraja callbacks"],
    security=ANONYMOUS,
    summary="STK push result callback",
    responses={200: ok(CallbackAck, "Accepted (also for duplicates)"), **errors(400, 404, 503)},
)
@inject
async def mpesa_callback(
    request: Request[Any, Any, Any], token: FromPath[str], handle: FromDishka[HandleCallback]
) -> Response[bytes]:
    """The URL token authenticates the callback (Daraja signs nothing). Duplicates answer 200 and change
    nothing; unknown token 404; unreadable body 400. Every body is stored raw first."""
    body = _readable(await request.body())
    await handle(token, body)
    return json_response(ACCEPTED)


def _readable(raw: bytes) -> Any:
    """The JSON body, or its text when it is not JSON (still stored, then refused with 400).

    NUL characters are replaced: no Daraja field carries one, and Postgres cannot store them.
    """
    raw = raw[:MAX_BODY].replace(b"\\u0000", b"\\ufffd")
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return raw.decode("utf-8", "replace").replace("\x00", "\ufffd")


ROUTES = [mpesa_callback]
