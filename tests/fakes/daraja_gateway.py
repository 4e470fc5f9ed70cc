"""The fake ``DarajaGateway``: scripted outcomes, and a record of every push and query made."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import msgspec

from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Environment
from micropay.domain.model.intent import PaymentError
from micropay.domain.model.provider import PaymentResult
from micropay.domain.model.push import PushAccepted, PushNotSent, PushRejected, PushVerdict
from micropay.ports.daraja_gateway import (
    DarajaGateway,
    Exchange,
    GatewayError,
    ProviderUnavailable,
    QueryFinal,
    QueryPending,
    StkPushRequest,
)


class Accept(msgspec.Struct, frozen=True, kw_only=True):
    """Script: Daraja accepts the push. Ids are generated unless given."""

    checkout_request_id: str | None = None
    merchant_request_id: str | None = None


#: What a push answers: accept (ids generated), or any verdict as it is (PushRejected, PushAnswerLost, ...).
PushScript = Accept | PushVerdict
#: What a query answers, or the gateway error it raises.
QueryScript = QueryPending | QueryFinal | GatewayError


@dataclass(frozen=True)
class RecordedPush:
    credentials: DarajaCredentials
    request: StkPushRequest
    outcome: PushVerdict


@dataclass(frozen=True)
class RecordedQuery:
    credentials: DarajaCredentials
    environment: Environment
    checkout_request_id: str
    answer: QueryPending | QueryFinal | GatewayError


def rejected(message: str, *, error_code: str, provider_code: str | None) -> PushRejected:
    """A push refused for a customer reason: the intent's ``last_payment_error`` (code, message, Daraja's code)."""
    return PushRejected(error=PaymentError(code=error_code, message=message, mpesa_result_code=provider_code))


def pending() -> QueryPending:
    return QueryPending(exchange=Exchange(response={"errorCode": "500.001.1001"}, http_status=500))


def final(checkout_request_id: str, result_code: str = "0", **fields: Any) -> QueryFinal:
    """A query's final answer; ``fields`` are more ``PaymentResult`` fields (a query carries no amount)."""
    result = PaymentResult(result_code=result_code, checkout_request_id=checkout_request_id, **fields)
    return QueryFinal(result=result, exchange=Exchange(response={"ResultCode": result_code}, http_status=200))


class FakeDarajaGateway:
    """Push outcomes: the phone's script (``script_phone``, every push), else the next queued one
    (``queue_push``), else ``Accept()``. Query answers: the checkout id's script (``script_query``, consumed
    in order, the last one repeats), else the next queued one (``queue_query``), else ``pending()``.
    ``unavailable = True`` makes every push answer ``PushNotSent`` and every query raise ``ProviderUnavailable``.

    ``pushes``/``queries`` record what was asked and what came of it; ``accepted`` maps each generated
    checkout id to its push request.
    """

    def __init__(self) -> None:
        self.pushes: list[RecordedPush] = []
        self.queries: list[RecordedQuery] = []
        self.accepted: dict[str, StkPushRequest] = {}
        self.unavailable = False
        self._by_phone: dict[str, PushScript] = {}
        self._push_queue: deque[PushScript] = deque()
        self._by_checkout: dict[str, list[QueryScript]] = {}
        self._query_queue: deque[QueryScript] = deque()

    def script_phone(self, phone_number: str, outcome: PushScript) -> None:
        self._by_phone[phone_number] = outcome

    def queue_push(self, *outcomes: PushScript) -> None:
        self._push_queue.extend(outcomes)

    def script_query(self, checkout_request_id: str, *answers: QueryScript) -> None:
        if not answers:
            raise ValueError("script at least one answer")
        self._by_checkout[checkout_request_id] = list(answers)

    def queue_query(self, *answers: QueryScript) -> None:
        self._query_queue.extend(answers)

    async def stk_push(self, credentials: DarajaCredentials, request: StkPushRequest) -> PushVerdict:
        script = self._next_push(request.phone_number)
        outcome: PushVerdict
        if isinstance(script, Accept):
            number = len(self.pushes) + 1
            outcome = PushAccepted(
                checkout_request_id=script.checkout_request_id or f"ws_CO_{number:020d}",
                merchant_request_id=script.merchant_request_id or f"fake-{number:04d}-mr",
                exchange=Exchange(
                    request=_redacted(credentials, request), response={"ResponseCode": "0"}, http_status=200
                ),
            )
        else:
            outcome = script
        if isinstance(outcome, PushAccepted):
            self.accepted[outcome.checkout_request_id] = request
        self.pushes.append(RecordedPush(credentials=credentials, request=request, outcome=outcome))
        return outcome

    async def stk_query(
        self, credentials: DarajaCredentials, environment: Environment, checkout_request_id: str
    ) -> QueryPending | QueryFinal:
        answer = self._next_query(checkout_request_id)
        self.queries.append(
            RecordedQuery(
                credentials=credentials,
                environment=environment,
                checkout_request_id=checkout_request_id,
                answer=answer,
            )
        )
        if isinstance(answer, GatewayError):
            raise answer
        return answer

    def _next_push(self, phone_number: str) -> PushScript:
        if self.unavailable:
            return PushNotSent(reason="Daraja is unavailable (fake switched off).")
        if phone_number in self._by_phone:
            return self._by_phone[phone_number]
        if self._push_queue:
            return self._push_queue.popleft()
        return Accept()

    def _next_query(self, checkout_request_id: str) -> QueryScript:
        if self.unavailable:
            return ProviderUnavailable("Daraja is unavailable (fake switched off).")
        script = self._by_checkout.get(checkout_request_id)
        if script:
            return script.pop(0) if len(script) > 1 else script[0]
        if self._query_queue:
            return self._query_queue.popleft()
        return pending()


def _redacted(credentials: DarajaCredentials, request: StkPushRequest) -> dict[str, Any]:
    base, _, token = request.callback_url.rpartition("/")
    return {
        "BusinessShortCode": credentials.business_short_code,
        "TransactionType": credentials.transaction_type.value,
        "Amount": request.amount_shillings,
        "PhoneNumber": request.phone_number,
        "AccountReference": request.account_reference,
        "TransactionDesc": request.transaction_desc,
        "CallBackURL": f"{base}/{token[:6]}…",
    }


_: DarajaGateway = FakeDarajaGateway()
