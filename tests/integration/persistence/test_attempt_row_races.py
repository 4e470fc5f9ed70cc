"""The push row is written by two parties that can race: the confirm recording the push's answer, and a
callback (for a push whose answer was lost) filling in its CheckoutRequestID. Neither may undo the other."""

from __future__ import annotations

import msgspec

from micropay.adapters.persistence import Persistence
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.environment import Tenant
from micropay.domain.model.provider import AttemptOutcome
from tests.integration.persistence.builders import NOW, created_intent, new_id, push_attempt


async def _push_row(persistence: Persistence, tenant: Tenant) -> ProviderAttempt:
    intent = created_intent(tenant)
    push = push_attempt(intent, attempt_id=new_id("pa"))
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.attempts.add(push)
        await uow.commit()
    return push


async def test_a_link_made_after_an_outcome_was_read_keeps_the_outcome(
    persistence: Persistence, tenant: Tenant
) -> None:
    push = await _push_row(persistence, tenant)
    async with persistence.uow_factory(tenant) as confirm, persistence.uow_factory(tenant) as callback:
        read_by_confirm = await confirm.attempts.get(push.id)
        assert read_by_confirm is not None
        await confirm.attempts.update(
            msgspec.structs.replace(
                read_by_confirm, outcome=AttemptOutcome.ANSWER_LOST, response={"error": "timeout"}, updated=NOW + 1
            )
        )
        await confirm.commit()
        await callback.attempts.link_checkout_request(push.id, "ws_CO_LINKED", NOW + 2)
        await callback.commit()

    async with persistence.uow_factory(tenant) as uow:
        stored = await uow.attempts.get(push.id)
    assert stored is not None
    assert (stored.outcome, stored.checkout_request_id) == (AttemptOutcome.ANSWER_LOST, "ws_CO_LINKED")


async def test_an_outcome_recorded_after_a_link_keeps_the_checkout_request_id(
    persistence: Persistence, tenant: Tenant
) -> None:
    push = await _push_row(persistence, tenant)
    async with persistence.uow_factory(tenant) as uow:
        stale = await uow.attempts.get(push.id)
    async with persistence.uow_factory(tenant) as callback:
        await callback.attempts.link_checkout_request(push.id, "ws_CO_LINKED", NOW + 1)
        await callback.commit()
    assert stale is not None
    assert stale.checkout_request_id is None
    async with persistence.uow_factory(tenant) as confirm:
        await confirm.attempts.update(
            msgspec.structs.replace(stale, outcome=AttemptOutcome.ANSWER_LOST, updated=NOW + 2)
        )
        await confirm.commit()

    async with persistence.uow_factory(tenant) as uow:
        stored = await uow.attempts.get(push.id)
    assert stored is not None
    assert (stored.outcome, stored.checkout_request_id) == (AttemptOutcome.ANSWER_LOST, "ws_CO_LINKED")


async def test_a_link_never_replaces_a_known_checkout_request_id(persistence: Persistence, tenant: Tenant) -> None:
    push = await _push_row(persistence, tenant)
    async with persistence.uow_factory(tenant) as uow:
        await uow.attempts.link_checkout_request(push.id, "ws_CO_FIRST", NOW + 1)
        await uow.attempts.link_checkout_request(push.id, "ws_CO_SECOND", NOW + 2)
        await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        stored = await uow.attempts.get(push.id)
    assert stored is not None
    assert stored.checkout_request_id == "ws_CO_FIRST"


async def test_fill_outcome_fills_only_a_missing_outcome(persistence: Persistence, tenant: Tenant) -> None:
    push = await _push_row(persistence, tenant)
    async with persistence.uow_factory(tenant) as uow:
        await uow.attempts.fill_outcome(push.id, AttemptOutcome.ACCEPTED, NOW + 5)
        await uow.commit()
    async with persistence.uow_factory(tenant) as uow:
        filled = await uow.attempts.get(push.id)
        await uow.attempts.fill_outcome(push.id, AttemptOutcome.ANSWER_LOST, NOW + 9)  # already known: kept
        await uow.commit()
    async with persistence.uow_factory(tenant) as uow:
        kept = await uow.attempts.get(push.id)
    assert filled is not None
    assert (filled.outcome, filled.updated) == (AttemptOutcome.ACCEPTED, NOW + 5)
    assert kept == filled
