from __future__ import annotations

from micropay.domain.model import fields, state_machine
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.use_cases._support import load_intent, retry_on_conflict
from micropay.ports.clock import Clock
from micropay.ports.unit_of_work import UnitOfWorkFactory


class CancelPaymentIntent:
    """Cancel an intent from ``requires_payment_method`` or ``failed`` (terminal); otherwise
    ``IntentUnexpectedState``. ``cancellation_reason`` is optional, at most 100 characters."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, tenant: Tenant, intent_id: str, *, reason: str | None = None) -> PaymentIntent:
        checked = fields.cancellation_reason(reason)

        async def attempt() -> PaymentIntent:
            async with self._uow(tenant) as uow:
                intent = await load_intent(uow, intent_id)
                canceled, _ = state_machine.cancel(intent, reason=checked, now=int(self._clock.now()))
                await uow.intents.save(canceled)
                await uow.commit()
            return canceled

        return await retry_on_conflict(attempt)
