"""Micropay embedded in another Python service: the documented example, run as written against the simulator."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from micropay import ConfirmFailed, IntentStatus, PaymentIntent, embedded
from micropay.ports.daraja_gateway import ProviderUnavailable
from tests.e2e.harness import Stack

DOC = Path(__file__).resolve().parents[2] / "docs" / "embedding.md"


def _documented_example() -> dict[str, Any]:
    """The first python block of docs/embedding.md, executed as a module would be."""
    [code] = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)[:1]
    namespace: dict[str, Any] = {"__name__": "embedding_example"}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace


async def test_the_documented_example_takes_a_payment_to_succeeded(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # The stack's API shares the database; the example talks to it in-process, not over HTTP.
    settings = msgspec.structs.replace(stack.settings, reconcile_interval=0)

    status = await _documented_example()["take_payment"](settings)

    assert status is IntentStatus.SUCCEEDED
    printed = capsys.readouterr().out
    assert "['payment_intent.created', 'payment_intent.processing', 'payment_intent.succeeded']" in printed


async def test_an_embedding_service_takes_a_payment_to_succeeded_in_process(stack: Stack) -> None:
    settings = msgspec.structs.replace(stack.settings, reconcile_interval=0)
    async with embedded(settings) as micropay:
        created = await micropay.create_merchant("Embedded shop")
        tenant = await micropay.authenticate(created.keys["sandbox"].secret)
        intent = await micropay.create_payment_intent(tenant, amount=150_000, phone_number="0708374149")
        assert isinstance(intent, PaymentIntent)
        assert intent.client_secret is not None
        confirmed = await micropay.confirm_payment_intent(tenant, intent.id)
        assert confirmed.status is IntentStatus.PROCESSING
        assert confirmed.client_secret is None

        settled = confirmed
        for _ in range(100):  # the simulator's query answers once its callback is due
            settled = await micropay.reconcile_payment_intent(tenant, intent.id)
            if settled.status is not IntentStatus.PROCESSING:
                break
            await asyncio.sleep(0.05)

        assert settled.status is IntentStatus.SUCCEEDED
        rows, _ = await micropay.list_attempts(tenant, intent.id)
        assert rows[0].kind.value == "stk_push"
        assert (await micropay.retrieve_payment_intent(tenant, intent.id)) == settled


async def test_a_failed_confirm_step_still_hands_back_the_created_intent(stack: Stack) -> None:
    settings = msgspec.structs.replace(stack.settings, reconcile_interval=0)
    async with embedded(settings) as micropay:
        tenant = await micropay.authenticate((await micropay.create_merchant("Down shop")).keys["sandbox"].secret)
        with pytest.raises(ConfirmFailed) as failed:
            await micropay.create_payment_intent(tenant, amount=1500, phone_number="254711000503", confirm=True)
        assert isinstance(failed.value.cause, ProviderUnavailable)
        assert failed.value.code == "provider_unavailable"
        kept = await micropay.retrieve_payment_intent(tenant, failed.value.payment_intent.id)
        assert kept.status is IntentStatus.REQUIRES_PAYMENT_METHOD
