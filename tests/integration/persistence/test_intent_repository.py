"""The intent repository contract, on SQLite and on Postgres."""

from __future__ import annotations

import pytest

from micropay.adapters.persistence import Persistence
from micropay.domain.model import state_machine
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.ports.errors import ConcurrentUpdate
from micropay.ports.intent_repository import IntentPageQuery
from tests.integration.persistence.builders import (
    NOW,
    created_intent,
    failure,
    new_id,
    new_tenant,
    processing_steps,
    seed_merchant,
    success,
)


async def _add(persistence: Persistence, *intents: PaymentIntent) -> None:
    async with persistence.uow_factory(
        Tenant(merchant_id=intents[0].merchant_id, environment=intents[0].environment)
    ) as uow:
        for intent in intents:
            await uow.intents.add(intent)
        await uow.commit()


async def test_an_added_intent_reads_back_equal(persistence: Persistence, tenant: Tenant) -> None:
    intent = created_intent(tenant)
    await _add(persistence, intent)

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) == intent
        assert await uow.intents.get(new_id("pi")) is None


async def test_every_field_of_a_settled_intent_survives_the_round_trip(
    persistence: Persistence, tenant: Tenant
) -> None:
    intent = created_intent(tenant)
    await _add(persistence, intent)
    started, accepted = processing_steps(intent, attempt_id=new_id("pa"), checkout_request_id=f"ws_CO_{new_id('x')}")
    failed = state_machine.apply_result(
        accepted, attempt_id=started.attempt_id or "", result=failure(accepted), now=NOW + 5
    )
    succeeded = state_machine.apply_result(
        failed.intent, attempt_id=started.attempt_id or "", result=success(accepted), now=NOW + 9
    )

    for step in (started, accepted, failed.intent):
        async with persistence.uow_factory(tenant) as uow:
            await uow.intents.save(step)
            await uow.commit()
        async with persistence.uow_factory(tenant) as uow:
            assert await uow.intents.get(intent.id) == step
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.save(succeeded.intent)
        await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        stored = await uow.intents.get(intent.id)
    assert stored == succeeded.intent
    assert stored.last_payment_error is None
    assert failed.intent.last_payment_error is not None
    assert stored.mpesa is not None
    assert stored.mpesa.receipt_number == "NLJ7RT61SV"


async def test_save_writes_the_next_version(persistence: Persistence, tenant: Tenant) -> None:
    intent = created_intent(tenant)
    await _add(persistence, intent)
    canceled, _ = state_machine.cancel(intent, reason="requested_by_customer", now=NOW + 3)

    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.save(canceled)
        await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        stored = await uow.intents.get(intent.id)
    assert stored is not None
    assert (stored.status, stored.version, stored.canceled_at) == (IntentStatus.CANCELED, 2, NOW + 3)


async def test_save_from_a_stale_version_raises_concurrent_update_and_changes_nothing(
    persistence: Persistence, tenant: Tenant
) -> None:
    intent = created_intent(tenant)
    await _add(persistence, intent)
    canceled, _ = state_machine.cancel(intent, reason=None, now=NOW + 3)
    started, _ = state_machine.start_attempt(intent, attempt_id=new_id("pa"), phone=None, now=NOW + 4)
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.save(canceled)
        await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.intents.save(started)

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) == canceled


async def test_leaving_without_commit_rolls_back(persistence: Persistence, tenant: Tenant) -> None:
    intent = created_intent(tenant)
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) is None


async def test_an_error_inside_the_block_rolls_back(persistence: Persistence, tenant: Tenant) -> None:
    intent = created_intent(tenant)

    async def add_then_fail() -> None:
        async with persistence.uow_factory(tenant) as uow:
            await uow.intents.add(intent)
            raise RuntimeError("use case failed")

    with pytest.raises(RuntimeError):
        await add_then_fail()

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) is None


async def _five(persistence: Persistence, tenant: Tenant) -> list[PaymentIntent]:
    """Five intents, oldest first; the 2nd and 4th canceled."""
    intents = [created_intent(tenant) for _ in range(5)]
    await _add(persistence, *intents)
    for index in (1, 3):
        canceled, _ = state_machine.cancel(intents[index], reason=None, now=NOW + 1)
        async with persistence.uow_factory(tenant) as uow:
            await uow.intents.save(canceled)
            await uow.commit()
        intents[index] = canceled
    return intents


def _ids(intents: list[PaymentIntent]) -> list[str]:
    return [intent.id for intent in intents]


async def test_list_pages_newest_first_with_starting_after(persistence: Persistence, tenant: Tenant) -> None:
    intents = await _five(persistence, tenant)
    newest_first = _ids(intents[::-1])

    async with persistence.uow_factory(tenant) as uow:
        first = await uow.intents.list_page(IntentPageQuery(limit=2))
        second = await uow.intents.list_page(IntentPageQuery(limit=2, starting_after=first.data[-1].id))
        third = await uow.intents.list_page(IntentPageQuery(limit=2, starting_after=second.data[-1].id))

    assert (_ids(first.data), first.has_more) == (newest_first[0:2], True)
    assert (_ids(second.data), second.has_more) == (newest_first[2:4], True)
    assert (_ids(third.data), third.has_more) == (newest_first[4:5], False)
    assert first.data[0] == intents[-1]


async def test_list_pages_backwards_with_ending_before(persistence: Persistence, tenant: Tenant) -> None:
    intents = await _five(persistence, tenant)
    newest_first = _ids(intents[::-1])

    async with persistence.uow_factory(tenant) as uow:
        before_oldest = await uow.intents.list_page(IntentPageQuery(limit=2, ending_before=newest_first[4]))
        before_those = await uow.intents.list_page(IntentPageQuery(limit=2, ending_before=before_oldest.data[0].id))
        before_newest = await uow.intents.list_page(IntentPageQuery(limit=2, ending_before=newest_first[0]))

    assert (_ids(before_oldest.data), before_oldest.has_more) == (newest_first[2:4], True)
    assert (_ids(before_those.data), before_those.has_more) == (newest_first[0:2], False)
    assert (before_newest.data, before_newest.has_more) == ([], False)


async def test_list_filters_by_status(persistence: Persistence, tenant: Tenant) -> None:
    intents = await _five(persistence, tenant)

    async with persistence.uow_factory(tenant) as uow:
        canceled = await uow.intents.list_page(IntentPageQuery(limit=1, status=IntentStatus.CANCELED))
        rest = await uow.intents.list_page(
            IntentPageQuery(limit=1, status=IntentStatus.CANCELED, starting_after=canceled.data[0].id)
        )
        succeeded = await uow.intents.list_page(IntentPageQuery(status=IntentStatus.SUCCEEDED))

    assert (_ids(canceled.data), canceled.has_more) == ([intents[3].id], True)
    assert (_ids(rest.data), rest.has_more) == ([intents[1].id], False)
    assert (succeeded.data, succeeded.has_more) == ([], False)


async def test_a_page_is_stable_when_newer_intents_arrive(persistence: Persistence, tenant: Tenant) -> None:
    intents = await _five(persistence, tenant)
    async with persistence.uow_factory(tenant) as uow:
        first = await uow.intents.list_page(IntentPageQuery(limit=2))
    await _add(persistence, created_intent(tenant), created_intent(tenant))

    async with persistence.uow_factory(tenant) as uow:
        second = await uow.intents.list_page(IntentPageQuery(limit=2, starting_after=first.data[-1].id))

    assert _ids(second.data) == [intents[2].id, intents[1].id]


async def test_another_tenant_sees_none_of_the_intents(persistence: Persistence, tenant: Tenant) -> None:
    intent = created_intent(tenant)
    await _add(persistence, intent)
    other = new_tenant()
    await seed_merchant(persistence.uow_factory, other)
    same_merchant_live = Tenant(merchant_id=tenant.merchant_id, environment=Environment.PRODUCTION)

    canceled, _ = state_machine.cancel(intent, reason=None, now=NOW + 1)

    for stranger in (other, same_merchant_live):
        async with persistence.uow_factory(stranger) as uow:
            assert await uow.intents.get(intent.id) is None
            assert (await uow.intents.list_page(IntentPageQuery())).data == []
            with pytest.raises(ValueError, match="its own tenant"):
                await uow.intents.save(canceled)

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) == intent
