from __future__ import annotations

from micropay.domain.model import fields, state_machine
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import EventRequest
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.use_cases._events import save_transition
from micropay.domain.use_cases._support import load_intent, retry_on_conflict
from micropay.ports.clock import Clock
from micropay.ports.id_generator import IdGenerator
from micropay.ports.unit_of_work import UnitOfWorkFactory


class CancelPaymentIntent:
    """Cancel an intent from ``requires_payment_method`` or ``failed`` (terminal); otherwise
    ``IntentUnexpectedState``. ``cancellation_reason`` is optional, at most 100 characters. The change and its
    ``payment_intent.canceled`` event are one transaction."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(
        self, tenant: Tenant, intent_id: str, *, reason: str | None = None, request: EventRequest | None = None
    ) -> PaymentIntent:
        checked = fields.cancellation_reason(reason)

        async def attempt() -> PaymentIntent:
            async with self._uow(tenant) as uow:
                intent = await load_intent(uow, intent_id)
                canceled, events = state_machine.cancel(intent, reason=checked, now=int(self._clock.now()))
                await save_transition(uow, canceled, events, ids=self._ids, request=request)
                await uow.commit()
            return canceled

        return await retry_on_conflict(attempt)
