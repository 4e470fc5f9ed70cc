"""Two concurrent transitions of one intent on Postgres: exactly one wins, the other gets ConcurrentUpdate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from micropay.adapters.persistence import Persistence, build_persistence, create_engine
from micropay.domain.model import state_machine
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.domain.model.provider import PaymentResult
from micropay.ports.errors import ConcurrentUpdate
from tests.integration.persistence.builders import NOW, PHONE, created_intent, new_id, new_tenant, seed_merchant

ROUNDS = 50
LATER = NOW + state_machine.UNANSWERED_ATTEMPT_TIMEOUT_SECONDS + 1

Transition = Callable[[PaymentIntent], PaymentIntent]


@pytest.fixture
async def pg_persistence(postgres_url: str) -> AsyncIterator[Persistence]:
    engine = create_engine(postgres_url, pool_size=4)
    yield build_persistence(engine)
    await engine.dispose()


def _callback_success(intent: PaymentIntent) -> PaymentIntent:
    """A success callback that also links the CheckoutRequestID of the push whose answer was lost."""
    result = PaymentResult(
        result_code="0", checkout_request_id=f"ws_CO_{intent.id}", amount=intent.amount, receipt_number="NLJ7RT61SV"
    )
    return state_machine.apply_result(intent, attempt_id=intent.attempt_id or "", result=result, now=LATER).intent


def _reconcile_expiry(intent: PaymentIntent) -> PaymentIntent:
    return state_machine.expire_unanswered(intent, now=LATER)[0]


async def _answer_lost_intent(persistence: Persistence, tenant: Tenant) -> PaymentIntent:
    intent = created_intent(tenant)
    attempt_id = new_id("pa")
    started, _ = state_machine.start_attempt(intent, attempt_id=attempt_id, phone=PHONE, now=NOW)
    lost, _ = state_machine.attempt_answer_lost(started, attempt_id=attempt_id, now=NOW)
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.intents.save(started)
        await uow.intents.save(lost)
        await uow.commit()
    return lost


async def _transition(
    persistence: Persistence, tenant: Tenant, intent_id: str, change: Transition, both_read: asyncio.Barrier
) -> PaymentIntent | ConcurrentUpdate:
    async with persistence.uow_factory(tenant) as uow:
        current = await uow.intents.get(intent_id)
        assert current is not None
        await both_read.wait()  # both have read the same version before either writes
        new = change(current)
        try:
            await uow.intents.save(new)
        except ConcurrentUpdate as lost:
            return lost
        await uow.commit()
        return new


async def test_one_of_two_concurrent_transitions_wins_every_round(pg_persistence: Persistence) -> None:
    tenant = new_tenant()
    await seed_merchant(pg_persistence.uow_factory, tenant)
    winners: set[IntentStatus] = set()

    for _ in range(ROUNDS):
        intent = await _answer_lost_intent(pg_persistence, tenant)
        both_read = asyncio.Barrier(2)
        outcomes = await asyncio.gather(
            _transition(pg_persistence, tenant, intent.id, _callback_success, both_read),
            _transition(pg_persistence, tenant, intent.id, _reconcile_expiry, both_read),
        )

        won = [outcome for outcome in outcomes if isinstance(outcome, PaymentIntent)]
        lost = [outcome for outcome in outcomes if isinstance(outcome, ConcurrentUpdate)]
        assert (len(won), len(lost)) == (1, 1)
        async with pg_persistence.uow_factory(tenant) as uow:
            stored = await uow.intents.get(intent.id)
        assert stored == won[0]
        assert stored.version == intent.version + 1
        winners.add(stored.status)

    assert winners <= {IntentStatus.SUCCEEDED, IntentStatus.FAILED}
