"""Realtime status (contract §11): ``GET /v1/payment_intents/{id}/wait``."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from dishka.integrations.litestar import FromDishka, inject
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from micropay.domain.model.api_keys import KeyType
from micropay.domain.model.public_intent import PublicPaymentIntent
from micropay.domain.model.waiting import (
    WAIT_TIMEOUT_DEFAULT,
    WAIT_TIMEOUT_MAX,
    WAIT_TIMEOUT_MIN,
    WaitCondition,
    WaitUntil,
)
from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.wait_for_intent import WaitForPaymentIntent
from micropay.entrypoints.http.auth import client_secret_for
from micropay.entrypoints.http.openapi_models import errors, ok
from micropay.entrypoints.http.presenters import intent_body
from micropay.entrypoints.http.routes._responses import json_response

TAG: Final = ["Realtime"]
WAIT_HEADER: Final = "Micropay-Wait"


@get(
    "/v1/payment_intents/{intent_id:str}/wait",
    tags=TAG,
    summary="Wait until a PaymentIntent is terminal or changes (long poll)",
    description=(
        "Answers as soon as the intent is `succeeded` or `canceled` (`until=terminal`), or has a `version` "
        "greater than `version` (`until=change`; without `version`: the next change), else after `timeout` "
        "seconds with the intent as it is and the header `Micropay-Wait: timeout`. Secret key, or "
        "publishable key with `client_secret`."
    ),
    responses={200: ok(PublicPaymentIntent, "The intent"), **errors(400, 401, 403, 404, 503)},
)
@inject
async def wait_for_payment_intent(
    intent_id: FromPath[str],
    principal: NamedDependency[Principal],
    wait: FromDishka[WaitForPaymentIntent],
    until: Annotated[Literal["terminal", "change"], QueryParameter()] = "terminal",
    version: Annotated[int | None, QueryParameter(ge=0)] = None,
    # The contract's query parameter (its name is what a 400 reports), not an asyncio timeout of this handler.
    timeout: Annotated[  # noqa: ASYNC109
        int, QueryParameter(ge=WAIT_TIMEOUT_MIN, le=WAIT_TIMEOUT_MAX)
    ] = WAIT_TIMEOUT_DEFAULT,
    client_secret: Annotated[str | None, QueryParameter()] = None,
) -> Response[bytes]:
    secret = client_secret_for(principal, client_secret)
    condition = WaitCondition(WaitUntil(until), version)
    outcome = await wait(principal.tenant, intent_id, condition, seconds=timeout, client_secret=secret)
    response = json_response(intent_body(outcome.intent, with_metadata=principal.key_type is KeyType.SECRET))
    response.headers["Cache-Control"] = "no-store"
    if outcome.timed_out:
        response.headers[WAIT_HEADER] = "timeout"
    return response


ROUTES = [wait_for_payment_intent]
