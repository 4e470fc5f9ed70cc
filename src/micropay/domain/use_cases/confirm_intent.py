from __future__ import annotations

import asyncio
import logging
from typing import Final

from micropay.domain.model import fields, state_machine
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import EventRequest
from micropay.domain.model.idempotency import IdempotencyBinding, IdempotencyClaim
from micropay.domain.model.ids import ATTEMPT_PREFIX
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.money import Money
from micropay.domain.model.msisdn import Msisdn
from micropay.domain.model.push import PushAnswerLost, PushMisconfigured, PushNotSent, PushVerdict, settle_push
from micropay.domain.use_cases._events import save_transition
from micropay.domain.use_cases._support import load_intent, retry_on_conflict
from micropay.domain.use_cases.credentials import CredentialResolver
from micropay.ports.callback_tokens import CallbackTokenIssuer
from micropay.ports.clock import Clock
from micropay.ports.daraja_gateway import (
    CircuitOpen,
    DarajaGateway,
    GatewayError,
    ProviderConfigurationError,
    ProviderUnavailable,
    StkPushRequest,
)
from micropay.ports.id_generator import IdGenerator
from micropay.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

#: The verdict recorded for a push whose confirm was interrupted after the request may have left.
_INTERRUPTED: Final = PushAnswerLost(reason="The confirm was interrupted while the STK push was in flight.")


class ConfirmPaymentIntent:
    """Send the STK push for an intent (a new attempt), exactly once.

    Rules:
    - allowed from ``requires_payment_method`` and ``failed`` (a retry keeps the old attempt in the log);
      otherwise ``IntentUnexpectedState``; a phone number is required if the intent has none;
    - the intent is claimed (``processing``, version-checked and committed) *before* the push is sent, so
      two concurrent confirms can never both push;
    - the gateway answers a verdict value and ``settle_push`` (pure) decides what it does: accepted:
      ``processing`` with the CheckoutRequestID; customer rejection: ``failed``; not sent (Daraja unavailable,
      circuit open) or misconfigured: the intent is restored as it was and ``ProviderUnavailable`` /
      ``ProviderConfigurationError`` is raised (503 / 502); answer lost: stays ``processing`` — never a
      second push for the attempt; an exception from the gateway (a bug, a cancellation) counts as lost;
    - the push is logged in the provider log with its redacted exchange and outcome;
    - each status change is written with its event (``processing`` at the claim; ``payment_failed`` for a
      rejection, and for an abandoned push: the attempt failed and the intent is back as it was), ``request``
      being the API request it came from;
    - with an ``idempotency`` claim the key is bound to the intent in the claim's transaction: a retry of a
      confirm whose process died after its claim answers the intent as it is now and never pushes again.
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
        idempotency: IdempotencyClaim | None = None,
    ) -> PaymentIntent:
        phone = Msisdn.parse(phone_number) if phone_number is not None else None
        attempt_id = self._ids.new_id(ATTEMPT_PREFIX)
        claim = await retry_on_conflict(
            lambda: self._claim(tenant, intent_id, attempt_id, phone, client_secret, request, idempotency)
        )
        if isinstance(claim, PaymentIntent):
            return claim  # an earlier request with this key already claimed it: never a second push
        original, claimed, credentials, callback_url, push_row = claim
        push = StkPushRequest(
            environment=tenant.environment,
            amount_shillings=Money(amount=claimed.amount).shillings,
            phone_number=claimed.phone_number or "",
            account_reference=claimed.account_reference,
            transaction_desc=fields.transaction_desc(claimed.description, claimed.account_reference),
            callback_url=callback_url,
        )
        try:
            verdict = await self._gateway.stk_push(credentials, push)
        except BaseException:
            # A bug or a cancelled task after the request may have left: record a lost answer, shielded from
            # the cancellation, and never re-push. Reconcile or the callback settles it.
            log.exception("STK push interrupted; recording it as a lost answer", extra={"intent_id": intent_id})
            await asyncio.shield(
                retry_on_conflict(lambda: self._settle(tenant, original, attempt_id, _INTERRUPTED, request))
            )
            raise
        # The claim's own writes are what settle starts from (no re-read); if something moved the intent since
        # (a callback that came first), its version-checked save fails and the retries load it afresh.
        known: list[tuple[PaymentIntent, ProviderAttempt]] = [(claimed, push_row)]
        settled = await retry_on_conflict(
            lambda: self._settle(tenant, original, attempt_id, verdict, request, known.pop() if known else None)
        )
        refusal = _refusal(verdict)
        if refusal is not None:
            raise refusal  # the push never happened and the intent is back as it was: 503 / 502
        return settled

    async def _claim(
        self,
        tenant: Tenant,
        intent_id: str,
        attempt_id: str,
        phone: Msisdn | None,
        client_secret: str | None,
        request: EventRequest | None,
        idempotency: IdempotencyClaim | None,
    ) -> tuple[PaymentIntent, PaymentIntent, DarajaCredentials, str, ProviderAttempt] | PaymentIntent:
        now = int(self._clock.now())
        async with self._uow(tenant) as uow:
            original = await load_intent(uow, intent_id, client_secret)
            if idempotency is not None:
                if await uow.idempotency.bound(idempotency) is not None:
                    return original  # resumed: the intent as it is now
                await uow.idempotency.bind(idempotency, IdempotencyBinding(object_id=intent_id))
            claimed, events = state_machine.start_attempt(original, attempt_id=attempt_id, phone=phone, now=now)
            credentials = await self._credentials.resolve(uow)
            token = self._tokens.issue()
            await save_transition(uow, claimed, events, ids=self._ids, request=request)
            push_row = ProviderAttempt.push(
                attempt_id=attempt_id,
                intent_id=intent_id,
                tenant=tenant,
                token_hash=token.token_hash,
                token_hint=token.hint,
                now=now,
            )
            await uow.attempts.add(push_row)
            await uow.commit()
        return original, claimed, credentials, token.callback_url, push_row

    async def _settle(
        self,
        tenant: Tenant,
        original: PaymentIntent,
        attempt_id: str,
        verdict: PushVerdict,
        request: EventRequest | None,
        known: tuple[PaymentIntent, ProviderAttempt] | None = None,
    ) -> PaymentIntent:
        """Load -> decide (``settle_push``, pure) -> save. A callback may have settled the attempt already.

        ``known``: the intent and push row as the claim committed them, used instead of reading them back; the
        save is version-checked, so if anything moved the intent meanwhile it raises ``ConcurrentUpdate`` and
        the retry reads both (``known`` None).
        """
        now = int(self._clock.now())
        async with self._uow(tenant) as uow:
            push_row: ProviderAttempt | None
            if known is not None:
                intent, push_row = known
            else:
                intent = await load_intent(uow, original.id)
                push_row = await uow.attempts.get(attempt_id)
            settled = settle_push(intent, attempt_id=attempt_id, verdict=verdict, restore=original, now=now)
            if settled.changed:
                await save_transition(uow, settled.intent, settled.events, ids=self._ids, request=request)
            if push_row is not None:
                await uow.attempts.update(
                    push_row.with_exchange(
                        settled.outcome, verdict.exchange, checkout_request_id=settled.checkout_request_id, now=now
                    )
                )
            await uow.commit()
        return settled.intent


def _refusal(verdict: PushVerdict) -> GatewayError | None:
    """The error a confirm answers when its push was not sent (503) or the merchant's setup refused (502)."""
    match verdict:
        case PushNotSent(circuit_open=True):
            return CircuitOpen(verdict.reason, verdict.exchange, retry_after=verdict.retry_after)
        case PushNotSent():
            return ProviderUnavailable(verdict.reason, verdict.exchange, retry_after=verdict.retry_after)
        case PushMisconfigured():
            return ProviderConfigurationError(verdict.reason, verdict.exchange)
    return None
