"""``IntentRepository.claim_reconcile``, the automatic reconciliation's lease, on both backends (issue 10, defect 10).

Concurrent claimers race in separate transactions on their own connections: exactly one wins. Rows use
``updated`` times around 4 000, far below the builders' ``NOW``, so other tests' rows never interfere.
"""

from __future__ import annotations

import asyncio

from micropay.adapters.persistence import Persistence
from micropay.domain.model.environment import Tenant
from tests.integration.persistence.builders import new_tenant, seed_merchant
from tests.integration.persistence.test_reconciled_at import _processing


async def _claim(persistence: Persistence, tenant: Tenant, intent_id: str, *, active_before: int, at: int) -> bool:
    async with persistence.uow_factory(tenant) as uow:
        won = await uow.intents.claim_reconcile(intent_id, active_before=active_before, at=at)
        await uow.commit()
    return won


async def test_of_many_concurrent_claims_exactly_one_wins(persistence: Persistence, tenant: Tenant) -> None:
    intent = await _processing(persistence, tenant, updated=4_000)

    results = await asyncio.gather(
        *(_claim(persistence, tenant, intent.id, active_before=4_050, at=4_060) for _ in range(8))
    )

    assert sorted(results) == [False] * 7 + [True]
    listed = await persistence.tenant_directory.stuck_intents(updated_before=4_059, limit=10_000)
    assert intent.id not in {item.intent_id for item in listed}  # leased at 4 060: not before the next cutoff


async def test_the_lease_ages_out_and_is_the_tenants_own(persistence: Persistence, tenant: Tenant) -> None:
    other_tenant = new_tenant()
    await seed_merchant(persistence.uow_factory, other_tenant)
    intent = await _processing(persistence, tenant, updated=4_100)

    assert await _claim(persistence, tenant, intent.id, active_before=4_099, at=4_200) is False  # too recent
    assert await _claim(persistence, other_tenant, intent.id, active_before=9_999, at=4_200) is False  # not theirs
    assert await _claim(persistence, tenant, intent.id, active_before=4_150, at=4_200) is True
    assert await _claim(persistence, tenant, intent.id, active_before=4_199, at=4_300) is False  # held
    assert await _claim(persistence, tenant, intent.id, active_before=4_200, at=4_300) is True  # aged out
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) == intent  # bookkeeping only: same version, same updated
