"""No change without its event, no event without its change: a process killed (SIGKILL) between the intent
write and the event write leaves neither, on both backends."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from micropay.adapters.persistence import Persistence
from micropay.adapters.system import SecureIdGenerator, SystemClock
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import IntentStatus
from micropay.domain.use_cases.cancel_intent import CancelPaymentIntent
from micropay.ports.event_repository import EventPageQuery
from micropay.ports.intent_repository import IntentPageQuery
from tests.integration.persistence.builders import created_event, created_intent, new_id

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def _run_child(database_url: str, *args: str) -> tuple[int, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.persistence.kill_between_writes",
        database_url,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(child.communicate(), timeout=60)
    return child.returncode or 0, out.decode()


async def test_a_create_killed_before_its_event_leaves_no_intent(
    database_url: str, persistence: Persistence, tenant: Tenant
) -> None:
    code, out = await _run_child(database_url, tenant.merchant_id, "create")
    assert code == -signal.SIGKILL, out
    assert "dying before payment_intent.created" in out
    async with persistence.uow_factory(tenant) as uow:
        assert (await uow.intents.list_page(IntentPageQuery())).data == []
        assert (await uow.events.list_page(EventPageQuery())).data == []


async def test_a_cancel_killed_before_its_event_leaves_the_intent_as_it_was(
    database_url: str, persistence: Persistence, tenant: Tenant
) -> None:
    intent = created_intent(tenant, intent_id=new_id("pi"))
    created = created_event(intent)
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.events.add(created)
        await uow.commit()

    code, out = await _run_child(database_url, tenant.merchant_id, "cancel", intent.id)

    assert code == -signal.SIGKILL, out
    assert "dying before payment_intent.canceled" in out
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.intents.get(intent.id) == intent
        assert (await uow.events.for_intent(intent.id, limit=10)).data == [created]
    # and the same intent cancels normally afterwards (no lock or half-written row was left behind)
    cancel = CancelPaymentIntent(persistence.uow_factory, SystemClock(), SecureIdGenerator())
    canceled = await asyncio.wait_for(cancel(tenant, intent.id), timeout=30)
    assert canceled.status is IntentStatus.CANCELED
    async with persistence.uow_factory(tenant) as uow:
        types = [e.type.value for e in (await uow.events.for_intent(intent.id, limit=10)).data]
    assert types == ["payment_intent.created", "payment_intent.canceled"]
