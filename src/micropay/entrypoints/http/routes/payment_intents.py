"""``/v1/payment_intents`` (docs/api.md)."""

from __future__ import annotations

from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from micropay.domain.model.api_keys import KeyType
from micropay.domain.model.idempotency import IdempotencyClaim
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.public_intent import PublicPaymentIntent
from micropay.domain.use_cases.api_keys import Principal
from micropay.domain.use_cases.cancel_intent import CancelPaymentIntent
from micropay.domain.use_cases.confirm_intent import ConfirmPaymentIntent
from micropay.domain.use_cases.create_and_confirm import CreateAndConfirm
from micropay.domain.use_cases.create_intent import CreateIntentCommand
from micropay.domain.use_cases.queries import LIMIT_MAX, LIMIT_MIN, GetPaymentIntent, ListAttempts, ListPaymentIntents
from micropay.domain.use_cases.reconcile_intent import ReconcilePaymentIntent
from micropay.entrypoints.http.auth import client_secret_for, require_secret_key
from micropay.entrypoints.http.errors import error_response
from micropay.entrypoints.http.guards import ANY_KEY, SECRET
from micropay.entrypoints.http.idempotency import IdempotentRunner, Outcome
from micropay.entrypoints.http.openapi_models import PaymentIntentList, ProviderAttemptList, errors, ok
from micropay.entrypoints.http.origin import event_request
from micropay.entrypoints.http.presenters import attempt_list, intent_body, intent_list
from micropay.entrypoints.http.query import strict_query_integers
from micropay.entrypoints.http.routes._responses import json_response
from micropay.entrypoints.http.schemas import (
    CancelIntentBody,
    ConfirmIntentBody,
    CreateIntentBody,
    EmptyBody,
    require_strict_body,
)
from micropay.ports.intent_repository import IntentPageQuery

TAG = ["Payment Intents"]
INTENT_ID = "^pi_[0-9A-Za-z]{24}$"
ATTEMPT_ID = "^pa_[0-9A-Za-z]{24}$"


@post(
    "/v1/payment_intents",
    guards=SECRET,
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
    create: FromDishka[CreateAndConfirm],
    runner: FromDishka[IdempotentRunner],
) -> Response[bytes]:
    """Create an intent; with ``confirm: true`` also send the STK push in the same call."""
    require_secret_key(principal)
    await require_strict_body(request, CreateIntentBody)

    origin = event_request(request)
    command = CreateIntentCommand(
        amount=data.amount,
        currency=data.currency,
        phone_number=data.phone_number,
        account_reference=data.account_reference,
        description=data.description,
        metadata=data.metadata,
    )

    async def operation(claim: IdempotencyClaim | None) -> Outcome:
        result = await create(principal.tenant, command, confirm=data.confirm, request=origin, idempotency=claim)
        body = intent_body(result.intent, client_secret=result.client_secret)
        if result.error is not None:
            # The intent exists now: say so (the answer is kept, so a retry cannot create another).
            return error_response(result.error, {"payment_intent": body}), result
        return json_response(body, 201), result

    return await runner.run(request, principal, operation)


@get(
    "/v1/payment_intents/{intent_id:str}",
    guards=ANY_KEY,
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
    return json_response(intent_body(intent, with_metadata=principal.key_type is KeyType.SECRET))


@get(
    "/v1/payment_intents",
    guards=SECRET,
    tags=TAG,
    summary="List PaymentIntents, newest first",
    responses={200: ok(PaymentIntentList, "A page of intents"), **errors(400, 401, 403, 503)},
)
@inject
async def list_payment_intents(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    list_intents: FromDishka[ListPaymentIntents],
    limit: Annotated[int, QueryParameter(ge=LIMIT_MIN, le=LIMIT_MAX)] = 10,
    starting_after: Annotated[str | None, QueryParameter(pattern=INTENT_ID)] = None,
    ending_before: Annotated[str | None, QueryParameter(pattern=INTENT_ID)] = None,
    status: FromQuery[IntentStatus | None] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    strict_query_integers(request, limit=(LIMIT_MIN, LIMIT_MAX))
    page = await list_intents(
        principal.tenant,
        IntentPageQuery(limit=limit, starting_after=starting_after, ending_before=ending_before, status=status),
    )
    return json_response(intent_list(page.data, page.has_more, "/v1/payment_intents"))


@post(
    "/v1/payment_intents/{intent_id:str}/confirm",
    guards=ANY_KEY,
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
    await require_strict_body(request, ConfirmIntentBody)
    body = data or ConfirmIntentBody()
    secret = client_secret_for(principal, body.client_secret)
    full_view = principal.key_type is KeyType.SECRET  # a publishable key sees what its retrieve shows

    async def operation(claim: IdempotencyClaim | None) -> Outcome:
        intent = await confirm(
            principal.tenant,
            intent_id,
            phone_number=body.phone_number,
            client_secret=secret,
            request=event_request(request),
            idempotency=claim,
        )
        return json_response(intent_body(intent, with_metadata=full_view)), None

    return await runner.run(request, principal, operation)


@post(
    "/v1/payment_intents/{intent_id:str}/cancel",
    guards=SECRET,
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
    await require_strict_body(request, CancelIntentBody)
    reason = data.cancellation_reason if data else None

    async def operation(_claim: IdempotencyClaim | None) -> Outcome:
        canceled = await cancel(principal.tenant, intent_id, reason=reason, request=event_request(request))
        return json_response(intent_body(canceled)), None

    return await runner.run(request, principal, operation)


@post(
    "/v1/payment_intents/{intent_id:str}/reconcile",
    guards=SECRET,
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
    await require_strict_body(request, EmptyBody)

    async def operation(_claim: IdempotencyClaim | None) -> Outcome:
        reconciled = await reconcile(principal.tenant, intent_id, request=event_request(request))
        return json_response(intent_body(reconciled)), None

    return await runner.run(request, principal, operation)


@get(
    "/v1/payment_intents/{intent_id:str}/attempts",
    guards=SECRET,
    tags=TAG,
    summary="The provider log of a PaymentIntent",
    responses={200: ok(ProviderAttemptList, "Exchanges with Daraja, oldest first"), **errors(400, 401, 403, 404, 503)},
)
@inject
async def list_attempts(
    request: Request[Any, Any, Any],
    intent_id: FromPath[str],
    principal: NamedDependency[Principal],
    attempts: FromDishka[ListAttempts],
    limit: Annotated[int, QueryParameter(ge=LIMIT_MIN, le=LIMIT_MAX)] = 100,
    starting_after: Annotated[str | None, QueryParameter(pattern=ATTEMPT_ID)] = None,
) -> Response[bytes]:
    require_secret_key(principal)
    strict_query_integers(request, limit=(LIMIT_MIN, LIMIT_MAX))
    rows, has_more = await attempts(principal.tenant, intent_id, limit=limit, starting_after=starting_after)
    return json_response(attempt_list(rows, has_more, f"/v1/payment_intents/{intent_id}/attempts"))


ROUTES = [
    create_payment_intent,
    retrieve_payment_intent,
    list_payment_intents,
    confirm_payment_intent,
    cancel_payment_intent,
    reconcile_payment_intent,
    list_attempts,
]
