"""``/v1/payment_intents`` (contract §3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from micropay.domain.errors import InvalidParameter, MicropayError
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.public_intent import PublicPaymentIntent
from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.cancel_intent import CancelPaymentIntent
from micropay.domain.use_cases.confirm_intent import ConfirmPaymentIntent
from micropay.domain.use_cases.create_intent import CreateIntentCommand, CreatePaymentIntent
from micropay.domain.use_cases.queries import GetPaymentIntent, ListAttempts, ListPaymentIntents
from micropay.domain.use_cases.reconcile_intent import ReconcilePaymentIntent
from micropay.entrypoints.http.auth import client_secret_for, require_secret_key
from micropay.entrypoints.http.errors import error_response
from micropay.entrypoints.http.idempotency import IdempotentRunner, Outcome
from micropay.entrypoints.http.openapi_models import PaymentIntentList, ProviderAttemptList, errors, ok
from micropay.entrypoints.http.origin import event_request
from micropay.entrypoints.http.presenters import attempt_json, intent_body, list_json
from micropay.entrypoints.http.routes._responses import json_response
from micropay.entrypoints.http.schemas import (
    CancelIntentBody,
    ConfirmIntentBody,
    CreateIntentBody,
    EmptyBody,
    require_json_integer,
)
from micropay.ports.intent_repository import IntentPageQuery

TAG = ["Payment Intents"]
INTENT_ID = "^pi_[0-9A-Za-z]{24}$"
ATTEMPT_ID = "^pa_[0-9A-Za-z]{24}$"
StatusName = Literal["requires_payment_method", "processing", "succeeded", "failed", "canceled"]


@post(
    "/v1/payment_intents",
    status_code=201,
    tags=TAG,
    summary="Create a PaymentIntent",
    responses={
        201: ok(PublicPaymentIntent, "The new intent, with its client_secret"),
        **errors(400, 401, 403, 409, 422, 502, 503),
    },
)
@inject
async def create_payment_intent(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    data: JSONBody[CreateIntentBody],
    create: FromDishka[CreatePaymentIntent],
    confirm: FromDishka[ConfirmPaymentIntent],
    runner: FromDishka[IdempotentRunner],
) -> Response[bytes]:
    """Create an intent; with ``confirm: true`` also send the STK push in the same call."""
    require_secret_key(principal)
    require_json_integer(await request.json(), "amount", "amount_invalid")

    origin = event_request(request)

    async def operation() -> Outcome:
        command = CreateIntentCommand(
            amount=data.amount,
            currency=data.currency,
            phone_number=data.phone_number,
            account_reference=data.account_reference,
            description=data.description,
            metadata=data.metadata,
        )
        created = await create(principal.tenant, command, request=origin)
        intent = created.intent
        if data.confirm:
            try:
                intent = await confirm(principal.tenant, intent.id, request=origin)
            except MicropayError as exc:
                # The intent exists now: say so, and store this answer so a retry cannot create another.
                body = intent_body(intent, client_secret=created.client_secret)
                return error_response(exc, {"payment_intent": body}), True
        return json_response(intent_body(intent, client_secret=created.client_secret), 201), True

    return await runner.run(request, principal, operation)


@get(
    "/v1/payment_intents/{intent_id:str}",
    tags=TAG,
    summary="Retrieve a PaymentIntent",
    responses={200: ok(PublicPaymentIntent, "The intent"), **errors(400, 401, 403, 404, 503)},
)
@inject
async def retrieve_payment_intent(
    intent_id: FromPath[str],
    principal: NamedDependency[Principal],
    retrieve: FromDishka[GetPaymentIntent],
    client_secret: FromQuery[str | None] = None,
) -> Response[bytes]:
    """With a publishable key, ``client_secret`` is required and ``metadata`` is omitted."""
    secret = client_secret_for(principal, client_secret)
    intent = await retrieve(principal.tenant, intent_id, client_secret=secret)
    return json_response(intent_body(intent, with_metadata=principal.key_type.value == "secret"))


@get(
    "/v1/payment_intents",
    tags=TAG,
    summary="List PaymentIntents, newest first",
    responses={200: ok(PaymentIntentList, "A page of intents"), **errors(400, 401, 403, 503)},
)
@inject
async def list_payment_intents(
    principal: NamedDependency[Principal],
    list_intents: FromDishka[ListPaymentIntents],
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 10,
    starting_after: Annotated[str | None, QueryParameter(pattern=INTENT_ID)] = None,
    ending_before: Annotated[str | None, QueryParameter(pattern=INTENT_ID)] = None,
    status: FromQuery[StatusName | None] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    try:
        wanted = IntentStatus(status) if status is not None else None
    except ValueError:
        raise InvalidParameter("status", f"status must be one of {', '.join(s.value for s in IntentStatus)}.") from None
    page = await list_intents(
        principal.tenant,
        IntentPageQuery(limit=limit, starting_after=starting_after, ending_before=ending_before, status=wanted),
    )
    return json_response(list_json([intent_body(i) for i in page.data], page.has_more, "/v1/payment_intents"))


@post(
    "/v1/payment_intents/{intent_id:str}/confirm",
    status_code=200,
    tags=TAG,
    summary="Confirm: send the STK push",
    responses={
        200: ok(PublicPaymentIntent, "processing (accepted or answer lost) or failed (customer-side rejection)"),
        **errors(400, 401, 403, 404, 409, 422, 502, 503),
    },
)
@inject
async def confirm_payment_intent(
    request: Request[Any, Any, Any],
    intent_id: FromPath[str],
    principal: NamedDependency[Principal],
    confirm: FromDishka[ConfirmPaymentIntent],
    runner: FromDishka[IdempotentRunner],
    data: JSONBody[ConfirmIntentBody | None] = None,
) -> Response[bytes]:
    """Allowed from ``requires_payment_method`` and ``failed``; a publishable key needs ``client_secret``."""
    body = data or ConfirmIntentBody()
    secret = client_secret_for(principal, body.client_secret)

    async def operation() -> Outcome:
        intent = await confirm(
            principal.tenant,
            intent_id,
            phone_number=body.phone_number,
            client_secret=secret,
            request=event_request(request),
        )
        return json_response(intent_body(intent)), False

    return await runner.run(request, principal, operation)


@post(
    "/v1/payment_intents/{intent_id:str}/cancel",
    status_code=200,
    tags=TAG,
    summary="Cancel a PaymentIntent",
    responses={200: ok(PublicPaymentIntent, "The canceled intent"), **errors(400, 401, 403, 404, 409, 422, 503)},
)
@inject
async def cancel_payment_intent(
    request: Request[Any, Any, Any],
    intent_id: FromPath[str],
    principal: NamedDependency[Principal],
    cancel: FromDishka[CancelPaymentIntent],
    runner: FromDishka[IdempotentRunner],
    data: JSONBody[CancelIntentBody | None] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    reason = data.cancellation_reason if data else None

    async def operation() -> Outcome:
        canceled = await cancel(principal.tenant, intent_id, reason=reason, request=event_request(request))
        return json_response(intent_body(canceled)), False

    return await runner.run(request, principal, operation)


@post(
    "/v1/payment_intents/{intent_id:str}/reconcile",
    status_code=200,
    tags=TAG,
    summary="Ask Daraja (STK Push Query) for the outcome of a processing intent",
    responses={
        200: ok(PublicPaymentIntent, "The intent, settled or unchanged"),
        **errors(400, 401, 403, 404, 409, 422, 502, 503),
    },
)
@inject
async def reconcile_payment_intent(
    request: Request[Any, Any, Any],
    intent_id: FromPath[str],
    principal: NamedDependency[Principal],
    reconcile: FromDishka[ReconcilePaymentIntent],
    runner: FromDishka[IdempotentRunner],
    data: JSONBody[EmptyBody | None] = None,
) -> Response[bytes]:
    require_secret_key(principal)

    async def operation() -> Outcome:
        reconciled = await reconcile(principal.tenant, intent_id, request=event_request(request))
        return json_response(intent_body(reconciled)), False

    return await runner.run(request, principal, operation)


@get(
    "/v1/payment_intents/{intent_id:str}/attempts",
    tags=TAG,
    summary="The provider log of a PaymentIntent",
    responses={200: ok(ProviderAttemptList, "Exchanges with Daraja, oldest first"), **errors(400, 401, 403, 404, 503)},
)
@inject
async def list_attempts(
    intent_id: FromPath[str],
    principal: NamedDependency[Principal],
    attempts: FromDishka[ListAttempts],
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 100,
    starting_after: Annotated[str | None, QueryParameter(pattern=ATTEMPT_ID)] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    rows, has_more = await attempts(principal.tenant, intent_id, limit=limit, starting_after=starting_after)
    return json_response(
        list_json([attempt_json(r) for r in rows], has_more, f"/v1/payment_intents/{intent_id}/attempts")
    )


ROUTES = [
    create_payment_intent,
    retrieve_payment_intent,
    list_payment_intents,
    confirm_payment_intent,
    cancel_payment_intent,
    reconcile_payment_intent,
    list_attempts,
]
