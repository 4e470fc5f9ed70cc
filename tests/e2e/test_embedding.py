"""Micropay embedded in another Python service: the documented example, run against the simulator."""

from __future__ import annotations

import asyncio

import msgspec

from micropay.domain.model.intent import IntentStatus
from micropay.domain.use_cases.create_intent import CreateIntentCommand
from micropay.entrypoints.embedded import embedded
from tests.e2e.harness import Stack


async def test_an_embedding_service_takes_a_payment_to_succeeded_in_process(stack: Stack) -> None:
    # The stack's API shares the database; this service talks to it in-process, not over HTTP.
    settings = msgspec.structs.replace(stack.settings, reconcile_interval=0)
    async with embedded(settings) as micropay:
        created = await micropay.create_merchant("Embedded shop")
        principal = await micropay.authenticate(created.keys["sandbox"].secret)
        intent = (
            await micropay.create_intent(
                principal.tenant, CreateIntentCommand(amount=150_000, currency="kes", phone_number="0708374149")
            )
        ).intent
        confirmed = await micropay.confirm_intent(principal.tenant, intent.id)
        assert confirmed.status is IntentStatus.PROCESSING

        settled = confirmed
        for _ in range(100):  # the simulator's query answers once its callback is due
            settled = await micropay.reconcile_intent(principal.tenant, intent.id)
            if settled.status is not IntentStatus.PROCESSING:
                break
            await asyncio.sleep(0.05)

        assert settled.status is IntentStatus.SUCCEEDED
        rows, _ = await micropay.list_attempts(principal.tenant, intent.id)
        assert rows[0].kind.value == "stk_push"
