"""Wait for a payment intent to change or finish, without polling (contract §11)."""

from __future__ import annotations

import msgspec

from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.waiting import WaitCondition, check_wait_timeout
from micropay.domain.use_cases._support import load_intent
from micropay.ports.change_feed import ChangeFeed, ChangeFeedClosed
from micropay.ports.unit_of_work import UnitOfWorkFactory


class WaitOutcome(msgspec.Struct, frozen=True, kw_only=True):
    intent: PaymentIntent
    timed_out: bool


class WaitForPaymentIntent:
    """Answer as soon as the intent meets the condition, else after ``seconds`` with it as it is.

    Rules:
    - the condition is checked at once: an intent already there answers without waiting;
    - ``change`` without a version means "after the version as first read";
    - while nothing changes the waiter costs no database work: it subscribes to the change feed *before*
      its first read (so nothing committed in between is missed) and reads again only when signalled;
    - a timeout answers with a fresh read (``timed_out``), never an error; so does a feed that stops
      (shutdown);
    - a wrong client secret or another tenant's intent is ``ResourceMissing``, as for retrieve.
    """

    def __init__(self, uow: UnitOfWorkFactory, feed: ChangeFeed) -> None:
        self._uow = uow
        self._feed = feed

    async def __call__(
        self,
        tenant: Tenant,
        intent_id: str,
        condition: WaitCondition,
        *,
        seconds: float,
        client_secret: str | None = None,
    ) -> WaitOutcome:
        check_wait_timeout(seconds)
        async with self._feed.subscribe(tenant, intent_id=intent_id, expires_in=seconds) as changes:
            intent = await self._read(tenant, intent_id, client_secret)
            condition = condition.pinned_to(intent)
            while not condition.is_met_by(intent):
                try:
                    signalled = await changes.next()
                except ChangeFeedClosed:
                    signalled = False
                intent = await self._read(tenant, intent_id, client_secret)
                if not signalled and not condition.is_met_by(intent):
                    return WaitOutcome(intent=intent, timed_out=True)
            return WaitOutcome(intent=intent, timed_out=False)

    async def _read(self, tenant: Tenant, intent_id: str, client_secret: str | None) -> PaymentIntent:
        async with self._uow(tenant) as uow:
            return await load_intent(uow, intent_id, client_secret)
