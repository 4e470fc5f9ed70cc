from __future__ import annotations

import logging

import msgspec

from micropay.domain.model import state_machine
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import EventRequest
from micropay.domain.model.ids import ATTEMPT_PREFIX
from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.domain.model.provider import AttemptOutcome
from micropay.domain.model.push import settle_query
from micropay.domain.use_cases._events import record_events, save_transition
from micropay.domain.use_cases._support import load_intent, retry_on_conflict, warn_unexpected_payment
from micropay.domain.use_cases.credentials import CredentialResolver
from micropay.ports.clock import Clock
from micropay.ports.daraja_gateway import DarajaGateway, Exchange, GatewayError, QueryFinal, QueryPending
from micropay.ports.id_generator import IdGenerator
from micropay.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class _QueryTarget(msgspec.Struct, frozen=True, kw_only=True):
    intent: PaymentIntent
    credentials: DarajaCredentials
    checkout_request_id: str
    push_id: str


class ReconcilePaymentIntent:
    """Settle a ``processing`` intent by asking Daraja (STK Push Query) for its outcome.

    Rules:
    - a no-op in any status other than ``processing``, and while Daraja says it is still processing;
    - load -> decide (``push.settle_query``, pure) -> save: a final answer goes through
      ``state_machine.apply_result`` (the same rules as a callback), "still processing" changes nothing;
    - a push whose answer was lost has no CheckoutRequestID to query: once it is older than the
      unanswered-attempt timeout it fails as ``expired`` (a late success callback still settles it);
    - Daraja unavailable or refusing the setup raises (503 / 502); the query is logged either way;
    - after a "still processing" answer or a failed call the intent is marked as asked (``mark_reconciled``,
      in the log row's transaction), so the automatic reconciliation asks the other stuck intents first;
    - a change and its event are one transaction; ``request`` is the API request (None for the loop);
    - a push row whose answer was never recorded (its confirm died) gets its outcome when the intent settles:
      ``accepted`` when Daraja answered the query for it, ``answer_lost`` when it expired;
    - money the intent cannot absorb is an ``unexpected_payment``, logged at WARNING.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: DarajaGateway,
        credentials: CredentialResolver,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._credentials = credentials
        self._clock = clock
        self._ids = ids

    async def __call__(self, tenant: Tenant, intent_id: str, *, request: EventRequest | None = None) -> PaymentIntent:
        now = int(self._clock.now())
        target = await retry_on_conflict(lambda: self._target(tenant, intent_id, now, request))
        if isinstance(target, PaymentIntent):
            return target
        intent, checkout_request_id, push_id = target.intent, target.checkout_request_id, target.push_id
        try:
            answer = await self._gateway.stk_query(target.credentials, tenant.environment, checkout_request_id)
        except GatewayError as exc:  # Daraja told us nothing: an outage the caller sees (503 / 502)
            await self._log_failed(tenant, intent, push_id, checkout_request_id, exc.exchange, now)
            raise
        return await retry_on_conflict(
            lambda: self._settle(tenant, intent_id, push_id, checkout_request_id, answer, now, request)
        )

    async def _target(
        self, tenant: Tenant, intent_id: str, now: int, request: EventRequest | None
    ) -> PaymentIntent | _QueryTarget:
        """What to query; or the intent itself when there is nothing to ask (expired here if it is time)."""
        async with self._uow(tenant) as uow:
            intent = await load_intent(uow, intent_id)
            if intent.status is not IntentStatus.PROCESSING:
                return intent
            if intent.checkout_request_id is None or intent.attempt_id is None:
                if not state_machine.is_unanswered_too_long(intent, now):
                    return intent
                expired, events = state_machine.expire_unanswered(intent, now=now)
                await save_transition(uow, expired, events, ids=self._ids, request=request)
                if intent.attempt_id is not None:  # a push row nobody recorded an answer for stays lost
                    await uow.attempts.fill_outcome(intent.attempt_id, AttemptOutcome.ANSWER_LOST, now)
                await uow.commit()
                return expired
            credentials = await self._credentials.resolve(uow)
        return _QueryTarget(
            intent=intent,
            credentials=credentials,
            checkout_request_id=intent.checkout_request_id,
            push_id=intent.attempt_id,
        )

    async def _settle(
        self,
        tenant: Tenant,
        intent_id: str,
        push_id: str,
        checkout_request_id: str,
        answer: QueryPending | QueryFinal,
        now: int,
        request: EventRequest | None,
    ) -> PaymentIntent:
        """Load -> decide (``settle_query``, pure) -> save, with the query's log row in the same transaction."""
        async with self._uow(tenant) as uow:
            intent = await load_intent(uow, intent_id)
            result = answer.result if isinstance(answer, QueryFinal) else None
            settled = settle_query(intent, push_id=push_id, result=result, now=now)
            application = settled.application
            if application.changed:
                await save_transition(uow, application.intent, application.events, ids=self._ids, request=request)
            else:
                await record_events(uow, application.intent, application.events, ids=self._ids, request=request)
            if settled.still_processing:  # asked now: the automatic reconciliation asks the others first
                await uow.intents.mark_reconciled(intent.id, now)
            else:  # Daraja knew the push: accepted, if its confirm never recorded an answer
                await uow.attempts.fill_outcome(push_id, AttemptOutcome.ACCEPTED, now)
            # the row names the push that was queried, even if the intent has moved on to another attempt
            await uow.attempts.add(
                self._row(tenant, intent, push_id, checkout_request_id, application.outcome, answer.exchange, now)
            )
            await uow.commit()
        warn_unexpected_payment(log, application, "query for intent")
        return application.intent

    async def _log_failed(
        self,
        tenant: Tenant,
        intent: PaymentIntent,
        push_id: str,
        checkout_request_id: str,
        exchange: Exchange | None,
        now: int,
    ) -> None:
        """Log a query that failed (``error``), and remember that the intent was asked about ``now``."""
        async with self._uow(tenant) as uow:
            row = self._row(tenant, intent, push_id, checkout_request_id, AttemptOutcome.ERROR, exchange, now)
            await uow.attempts.add(row)
            await uow.intents.mark_reconciled(intent.id, now)
            await uow.commit()

    def _row(
        self,
        tenant: Tenant,
        intent: PaymentIntent,
        push_id: str,
        checkout_request_id: str | None,
        outcome: AttemptOutcome,
        exchange: Exchange | None,
        now: int,
    ) -> ProviderAttempt:
        return ProviderAttempt.query(
            attempt_id=self._ids.new_id(ATTEMPT_PREFIX),
            intent_id=intent.id,
            tenant=tenant,
            push_id=push_id,
            checkout_request_id=checkout_request_id,
            outcome=outcome,
            exchange=exchange,
            now=now,
        )
