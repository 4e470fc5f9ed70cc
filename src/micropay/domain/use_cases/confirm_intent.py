from __future__ import annotations

import asyncio
import logging

import msgspec

from micropay.domain.model import fields, state_machine
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import EventRequest, IntentEvent
from micropay.domain.model.ids import ATTEMPT_PREFIX
from micropay.domain.model.intent import IntentStatus, PaymentError, PaymentIntent
from micropay.domain.model.msisdn import Msisdn
from micropay.domain.model.provider import AttemptKind, AttemptOutcome
from micropay.domain.use_cases._events import save_transition
from micropay.domain.use_cases._support import load_intent, retry_on_conflict
from micropay.domain.use_cases.credentials import CredentialResolver
from micropay.ports.callback_tokens import CallbackTokenIssuer
from micropay.ports.clock import Clock
from micropay.ports.daraja_gateway import (
    AnswerLost,
    CustomerRejected,
    DarajaGateway,
    Exchange,
    GatewayError,
    ProviderConfigurationError,
    ProviderUnavailable,
    StkPushAccepted,
    StkPushRequest,
)
from micropay.ports.id_generator import IdGenerator
from micropay.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

_Verdict = StkPushAccepted | GatewayError | None


class ConfirmPaymentIntent:
    """Send the STK push for an intent (a new attempt), exactly once.

    Rules:
    - allowed from ``requires_payment_method`` and ``failed`` (a retry keeps the old attempt in the log);
      otherwise ``IntentUnexpectedState``; a phone number is required if the intent has none;
    - the intent is claimed (``processing``, version-checked and committed) *before* the push is sent, so
      two concurrent confirms can never both push;
    - accepted: ``processing`` with the CheckoutRequestID; customer rejection: ``failed``;
      Daraja unavailable or refusing the merchant's setup: the intent is restored as it was and the
      error is raised (503 / 502); answer lost: stays ``processing`` — never a second push for the attempt;
    - the push is logged in the provider log with its redacted exchange and outcome;
    - each status change is written with its event (``processing`` at the claim; ``payment_failed`` for a
      rejection, and for an abandoned push: the attempt failed and the intent is back as it was), ``request``
      being the API request it came from.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: DarajaGateway,
        credentials: CredentialResolver,
        tokens: CallbackTokenIssuer,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._credentials = credentials
        self._tokens = tokens
        self._clock = clock
        self._ids = ids

    async def __call__(
        self,
        tenant: Tenant,
        intent_id: str,
        *,
        phone_number: str | None = None,
        client_secret: str | None = None,
        request: EventRequest | None = None,
    ) -> PaymentIntent:
        phone = Msisdn.parse(phone_number) if phone_number is not None else None
        attempt_id = self._ids.new_id(ATTEMPT_PREFIX)
        original, claimed, credentials, callback_url = await retry_on_conflict(
            lambda: self._claim(tenant, intent_id, attempt_id, phone, client_secret, request)
        )
        push = StkPushRequest(
            environment=tenant.environment,
            amount_shillings=claimed.amount // 100,
            phone_number=claimed.phone_number or "",
            account_reference=claimed.account_reference,
            transaction_desc=fields.transaction_desc(claimed.description, claimed.account_reference),
            callback_url=callback_url,
        )
        verdict: _Verdict
        try:
            verdict = await self._gateway.stk_push(credentials, push)
        except GatewayError as exc:
            verdict = exc
        except BaseException:
            # Anything else (a bug, a cancelled task) after the request may have left: record a lost answer,
            # shielded from the cancellation, and never re-push. Reconcile or the callback settles it.
            log.exception("STK push interrupted; recording it as a lost answer", extra={"intent_id": intent_id})
            await asyncio.shield(retry_on_conflict(lambda: self._settle(tenant, original, attempt_id, None, request)))
            raise
        settled = await retry_on_conflict(lambda: self._settle(tenant, original, attempt_id, verdict, request))
        if isinstance(verdict, ProviderUnavailable | ProviderConfigurationError):
            raise verdict
        return settled

    async def _claim(
        self,
        tenant: Tenant,
        intent_id: str,
        attempt_id: str,
        phone: Msisdn | None,
        client_secret: str | None,
        request: EventRequest | None,
    ) -> tuple[PaymentIntent, PaymentIntent, DarajaCredentials, str]:
        now = int(self._clock.now())
        async with self._uow(tenant) as uow:
            original = await load_intent(uow, intent_id, client_secret)
            claimed, events = state_machine.start_attempt(original, attempt_id=attempt_id, phone=phone, now=now)
            credentials = await self._credentials.resolve(uow)
            token = self._tokens.issue()
            await save_transition(uow, claimed, events, ids=self._ids, request=request)
            await uow.attempts.add(
                ProviderAttempt(
                    id=attempt_id,
                    intent_id=intent_id,
                    merchant_id=tenant.merchant_id,
                    environment=tenant.environment,
                    kind=AttemptKind.STK_PUSH,
                    push_id=attempt_id,
                    created=now,
                    callback_token_hash=token.token_hash,
                    callback_token_hint=token.hint,
                )
            )
            await uow.commit()
        return original, claimed, credentials, token.callback_url

    async def _settle(
        self,
        tenant: Tenant,
        original: PaymentIntent,
        attempt_id: str,
        verdict: _Verdict,
        request: EventRequest | None,
    ) -> PaymentIntent:
        now = int(self._clock.now())
        async with self._uow(tenant) as uow:
            loaded = intent = await load_intent(uow, original.id)
            push = await uow.attempts.get(attempt_id)
            # A callback may have settled the attempt before the push's answer was recorded.
            current = intent.status is IntentStatus.PROCESSING and intent.attempt_id == attempt_id
            exchange: Exchange | None
            events: list[IntentEvent] = []
            if isinstance(verdict, StkPushAccepted):
                outcome, exchange = AttemptOutcome.ACCEPTED, verdict.exchange
                checkout_request_id: str | None = verdict.checkout_request_id
                if current and intent.checkout_request_id is None:
                    intent, events = state_machine.accept_attempt(
                        intent,
                        attempt_id=attempt_id,
                        checkout_request_id=verdict.checkout_request_id,
                        merchant_request_id=verdict.merchant_request_id,
                        now=now,
                    )
            elif isinstance(verdict, CustomerRejected):
                outcome, exchange, checkout_request_id = AttemptOutcome.REJECTED, verdict.exchange, None
                if current:
                    error = PaymentError(
                        code=verdict.error_code, message=verdict.message, mpesa_result_code=verdict.provider_code
                    )
                    intent, events = state_machine.reject_attempt(intent, attempt_id=attempt_id, error=error, now=now)
            elif isinstance(verdict, ProviderUnavailable | ProviderConfigurationError):
                outcome, exchange, checkout_request_id = AttemptOutcome.NOT_SENT, verdict.exchange, None
                if current:
                    intent, events = state_machine.abandon_attempt(
                        intent, attempt_id=attempt_id, restore=original, now=now
                    )
            else:
                outcome, checkout_request_id = AttemptOutcome.ANSWER_LOST, None
                exchange = verdict.exchange if isinstance(verdict, AnswerLost) else None
                if current and intent.checkout_request_id is None:
                    intent, events = state_machine.attempt_answer_lost(intent, attempt_id=attempt_id, now=now)
            if intent is not loaded:
                await save_transition(uow, intent, events, ids=self._ids, request=request)
            if push is not None:
                await uow.attempts.update(
                    _with_exchange(push, outcome, exchange, checkout_request_id or push.checkout_request_id, now)
                )
            await uow.commit()
        return intent


def _with_exchange(
    push: ProviderAttempt, outcome: AttemptOutcome, exchange: Exchange | None, checkout_request_id: str | None, now: int
) -> ProviderAttempt:
    return msgspec.structs.replace(
        push,
        outcome=outcome,
        request=exchange.request if exchange else push.request,
        response=exchange.response if exchange else push.response,
        http_status=exchange.http_status if exchange else push.http_status,
        checkout_request_id=checkout_request_id,
        updated=now,
    )
