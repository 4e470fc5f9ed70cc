"""``create_simulator_app``: a local Daraja (OAuth, STK push, STK push query) for development and tests."""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import httpx
import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.exceptions import MethodNotAllowedException, NotFoundException

from micropay.entrypoints.simulator.callbacks import CallbackDispatcher
from micropay.entrypoints.simulator.ids import IdFactory
from micropay.entrypoints.simulator.scenarios import SyncReject, scenario_for
from micropay.entrypoints.simulator.settings import SimulatorSettings
from micropay.entrypoints.simulator.state import SimulatorState, Transaction
from micropay.entrypoints.simulator.validation import DarajaFault, bad_request, validate_push, validate_query

log = logging.getLogger(__name__)

STATE_KEY: Final = "simulator"
_UNAVAILABLE_PAGE: Final = b"<html><body><h1>503 Service Unavailable</h1>No server is available.</body></html>"
_INVALID_TOKEN: Final = DarajaFault(404, "404.001.03", "Invalid Access Token")

AnyRequest = Request[Any, Any, Any]


def simulator_state(app: Litestar) -> SimulatorState:
    """The in-memory state of a simulator app (counters, tokens, pushes), for tests and tooling."""
    state: SimulatorState = app.state[STATE_KEY]
    return state


def create_simulator_app(settings: SimulatorSettings) -> Litestar:
    """Build the simulator; nothing runs until an ASGI server starts it (callbacks need its lifespan)."""
    state = SimulatorState(ids=IdFactory(settings.seed), token_ttl_s=float(settings.token_ttl_s))
    merchants = settings.all_merchants
    dispatcher: list[CallbackDispatcher] = []

    def fault(exc: DarajaFault) -> Response[bytes]:
        body = {"requestId": state.ids.request_id(), "errorCode": exc.error_code, "errorMessage": exc.error_message}
        return Response(msgspec.json.encode(body), status_code=exc.http_status, media_type="application/json")

    def ok(body: dict[str, Any]) -> Response[bytes]:
        return Response(msgspec.json.encode(body), status_code=200, media_type="application/json")

    def require_token(request: AnyRequest) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not state.token_valid(token.strip()):
            raise _INVALID_TOKEN

    async def json_body(request: AnyRequest) -> Any:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise bad_request("BusinessShortCode")  # what Daraja answers without a JSON content type (S1 FAQ 9)
        try:
            return msgspec.json.decode(await request.body())
        except msgspec.DecodeError:
            raise bad_request("BusinessShortCode") from None

    @get("/oauth/v1/generate", sync_to_thread=False)
    def oauth(request: AnyRequest) -> Response[bytes]:
        state.counters.oauth_requests += 1
        if request.query_params.get("grant_type") != "client_credentials":
            return fault(DarajaFault(400, "400.008.02", "Invalid grant type passed"))
        if not _basic_credentials(request.headers.get("authorization", "")):
            return fault(DarajaFault(400, "400.008.01", "Invalid authentication type passed"))
        return ok({"access_token": state.issue_token(), "expires_in": str(settings.token_ttl_s)})

    @post("/mpesa/stkpush/v1/processrequest", status_code=200)
    async def stk_push(request: AnyRequest) -> Response[bytes]:
        state.counters.stk_push_requests += 1
        try:
            require_token(request)
            push = validate_push(await json_body(request), merchants)
        except DarajaFault as exc:
            return fault(exc)
        outcome = scenario_for(push.phone_number)
        if isinstance(outcome, SyncReject):
            if outcome.error_code is None:
                return Response(_UNAVAILABLE_PAGE, status_code=outcome.http_status, media_type="text/html")
            return fault(DarajaFault(outcome.http_status, outcome.error_code, outcome.error_message))
        hold_s = settings.hold_ms / 1000 if outcome.hold_response else 0.0
        txn = state.accept(
            push.short_code, push.phone_number, push.amount, outcome, hold_s + settings.callback_delay_ms / 1000
        )
        dispatcher[0].schedule(txn, push.callback_url)
        log.info("stk push accepted", extra={"checkout_request_id": txn.checkout_request_id})
        if hold_s:
            await asyncio.sleep(hold_s)  # the push went through; only its answer is late
        return ok(_accepted(txn))

    @post("/mpesa/stkpushquery/v1/query", status_code=200)
    async def stk_query(request: AnyRequest) -> Response[bytes]:
        state.counters.stk_query_requests += 1
        try:
            require_token(request)
            query = validate_query(await json_body(request), merchants)
            txn = state.transactions.get(query.checkout_request_id)
            if txn is None or txn.short_code != query.short_code:
                raise DarajaFault(500, "500.001.1001", "The transaction does not Exist")
        except DarajaFault as exc:
            return fault(exc)
        txn.queried_at.append(state.monotonic())
        if state.settled(txn):
            return ok(_query_answer(txn, str(txn.outcome.result_code), txn.outcome.query_desc))
        txn.pending_answers += 1
        if txn.pending_answers % 2:  # alternate Daraja's two "not finished" forms
            body = {
                "requestId": txn.checkout_request_id,
                "errorCode": "500.001.1001",
                "errorMessage": "The transaction is being processed",
            }
            return Response(msgspec.json.encode(body), status_code=500, media_type="application/json")
        return ok(_query_answer(txn, "4999", "The transaction is still under processing"))

    @get("/simulator/stats", sync_to_thread=False)
    def stats() -> dict[str, int]:
        """Counters for tests and operators (not part of Daraja)."""
        return state.counters.as_dict()

    @post("/simulator/revoke-tokens", status_code=200, sync_to_thread=False)
    def revoke_tokens() -> dict[str, int]:
        """Forget every issued token, as a restarted Daraja would (not part of Daraja)."""
        state.revoke_all_tokens()
        return state.counters.as_dict()

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        dispatcher.append(CallbackDispatcher(state, httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0))))
        try:
            yield
        finally:
            await dispatcher.pop().close()

    def route_fault(_: AnyRequest, exc: Exception) -> Response[bytes]:
        if isinstance(exc, MethodNotAllowedException):
            return fault(DarajaFault(405, "405.001", "Method Not Allowed"))
        return fault(DarajaFault(404, "404.001.01", "Resource not found"))

    def daraja_fault(_: AnyRequest, exc: Exception) -> Response[bytes]:
        assert isinstance(exc, DarajaFault)
        return fault(exc)

    app = Litestar(
        route_handlers=[oauth, stk_push, stk_query, stats, revoke_tokens],
        lifespan=[lifespan],
        exception_handlers={
            NotFoundException: route_fault,
            MethodNotAllowedException: route_fault,
            DarajaFault: daraja_fault,
        },
        openapi_config=None,
    )
    app.state[STATE_KEY] = state
    return app


def _basic_credentials(header: str) -> bool:
    """Any non-empty ``key:secret`` in Basic auth will do (the real sandbox issues one pair per app)."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    key, sep, secret = decoded.partition(":")
    return bool(sep and key and secret)


def _accepted(txn: Transaction) -> dict[str, Any]:
    return {
        "MerchantRequestID": txn.merchant_request_id,
        "CheckoutRequestID": txn.checkout_request_id,
        "ResponseCode": "0",
        "ResponseDescription": "Success. Request accepted for processing",
        "CustomerMessage": "Success. Request accepted for processing",
    }


def _query_answer(txn: Transaction, result_code: str, result_desc: str) -> dict[str, Any]:
    return {
        "ResponseCode": "0",
        "ResponseDescription": "The service request has been accepted successfully",
        "MerchantRequestID": txn.merchant_request_id,
        "CheckoutRequestID": txn.checkout_request_id,
        "ResultCode": result_code,
        "ResultDesc": result_desc,
    }
