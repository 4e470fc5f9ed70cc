"""CancelPaymentIntent: allowed from requires_payment_method and failed only; the reason is validated."""

from __future__ import annotations

import pytest

from micropay.domain.errors import IntentUnexpectedState, InvalidParameter, ResourceMissing
from micropay.domain.model.intent import IntentStatus
from tests.fakes import rejected
from tests.unit.use_cases.world import PRODUCTION, SANDBOX, World, callback_body


async def _in_status(world: World, status: IntentStatus) -> str:
    created = await world.new_intent()
    intent_id = created.intent.id
    if status is IntentStatus.FAILED:
        world.gateway.queue_push(rejected("Locked.", error_code="account_locked", provider_code="8006"))
        await world.confirm(SANDBOX, intent_id)
    elif status in (IntentStatus.PROCESSING, IntentStatus.SUCCEEDED):
        await world.confirm(SANDBOX, intent_id)
        if status is IntentStatus.SUCCEEDED:
            checkout = world.intent(intent_id).checkout_request_id
            await world.handle_callback(world.token(), callback_body(checkout, 0))
    elif status is IntentStatus.CANCELED:
        await world.cancel(SANDBOX, intent_id)
    return intent_id


@pytest.mark.parametrize("status", [IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.FAILED])
async def test_cancel_from_an_allowed_status(world: World, status: IntentStatus) -> None:
    intent_id = await _in_status(world, status)
    before = world.intent(intent_id)
    world.clock.advance(100)
    now = int(world.clock.now())

    returned = await world.cancel(SANDBOX, intent_id, reason="requested_by_customer")

    stored = world.intent(intent_id)
    assert returned == stored
    assert stored.status is IntentStatus.CANCELED
    assert stored.canceled_at == now
    assert stored.updated == now
    assert stored.cancellation_reason == "requested_by_customer"
    assert stored.version == before.version + 1
    assert stored.last_payment_error == before.last_payment_error


async def test_cancel_without_a_reason(world: World) -> None:
    intent_id = await _in_status(world, IntentStatus.REQUIRES_PAYMENT_METHOD)

    await world.cancel(SANDBOX, intent_id)

    stored = world.intent(intent_id)
    assert stored.status is IntentStatus.CANCELED
    assert stored.cancellation_reason is None


@pytest.mark.parametrize("status", [IntentStatus.PROCESSING, IntentStatus.SUCCEEDED, IntentStatus.CANCELED])
async def test_cancel_from_a_forbidden_status_changes_nothing(world: World, status: IntentStatus) -> None:
    intent_id = await _in_status(world, status)
    before = world.intent(intent_id)

    with pytest.raises(IntentUnexpectedState) as raised:
        await world.cancel(SANDBOX, intent_id, reason="too late")

    assert raised.value.status == status
    assert world.intent(intent_id) == before


@pytest.mark.parametrize("reason", ["", "r" * 101, 42, ["reason"]], ids=["empty", "101-chars", "int", "list"])
async def test_an_invalid_reason_is_refused_before_anything_changes(world: World, reason: object) -> None:
    intent_id = await _in_status(world, IntentStatus.REQUIRES_PAYMENT_METHOD)
    before = world.intent(intent_id)

    with pytest.raises(InvalidParameter) as raised:
        await world.cancel(SANDBOX, intent_id, reason=reason)  # type: ignore[arg-type]

    assert (raised.value.param, raised.value.code) == ("cancellation_reason", "parameter_invalid")
    assert world.intent(intent_id) == before


async def test_a_100_character_reason_is_accepted(world: World) -> None:
    intent_id = await _in_status(world, IntentStatus.REQUIRES_PAYMENT_METHOD)

    await world.cancel(SANDBOX, intent_id, reason="r" * 100)

    assert world.intent(intent_id).cancellation_reason == "r" * 100


async def test_cancel_of_another_tenants_intent_is_resource_missing(world: World) -> None:
    created = await world.new_intent(PRODUCTION)

    with pytest.raises(ResourceMissing):
        await world.cancel(SANDBOX, created.intent.id)

    assert world.intent(created.intent.id) == created.intent


async def test_a_canceled_intent_cannot_be_confirmed(world: World) -> None:
    intent_id = await _in_status(world, IntentStatus.CANCELED)

    with pytest.raises(IntentUnexpectedState):
        await world.confirm(SANDBOX, intent_id)

    assert world.gateway.pushes == []
