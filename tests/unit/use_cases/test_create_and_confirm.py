"""CreateAndConfirm and the Idempotency-Key binding: a retry after a crash never makes a second intent or push."""

from __future__ import annotations

import pytest

from micropay.domain.model.idempotency import IN_FLIGHT_LEASE_SECONDS, RETENTION_SECONDS, IdempotencyClaim
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.push import PushAnswerLost, PushNotSent
from micropay.domain.use_cases.create_intent import CreateIntentCommand
from micropay.ports.daraja_gateway import ProviderUnavailable
from micropay.ports.idempotency_bindings import IdempotencyClaimLost
from tests.fakes import Accept, FakeIdempotencyStore
from tests.unit.use_cases.world import PHONE, SANDBOX, World

COMMAND = CreateIntentCommand(amount=150_000, currency="kes", phone_number=PHONE)
KEY = "order-1001"


async def _claim(world: World, store: FakeIdempotencyStore) -> IdempotencyClaim:
    """The key's claim as the HTTP runner takes it (None back means taken)."""
    now = world.clock.now()
    assert await store.claim(SANDBOX, KEY, "fingerprint", now) is None
    return IdempotencyClaim(key=KEY, claimed_at=now)


@pytest.fixture
def store(world: World) -> FakeIdempotencyStore:
    return FakeIdempotencyStore(world.db)


async def test_the_key_is_bound_to_the_intent_and_its_sealed_secret(world: World, store: FakeIdempotencyStore) -> None:
    claim = await _claim(world, store)

    result = await world.create_and_confirm(SANDBOX, COMMAND, confirm=True, idempotency=claim)

    binding = world.db.idempotency_bindings[(SANDBOX, KEY)]
    assert binding.object_id == result.intent.id
    assert binding.sealed_secret is not None
    assert result.client_secret.encode() not in binding.sealed_secret  # sealed, not stored in plaintext
    assert result.intent.status is IntentStatus.PROCESSING
    assert result.something_was_done
    assert len(world.gateway.pushes) == 1


@pytest.mark.parametrize("confirm", [True, False])
async def test_a_retry_after_the_lease_resumes_the_same_intent_with_the_same_secret(
    world: World, store: FakeIdempotencyStore, confirm: bool
) -> None:
    first = await world.create_and_confirm(SANDBOX, COMMAND, confirm=confirm, idempotency=await _claim(world, store))
    # the first process died before completing the key: its claim stays in flight until the lease passes
    world.clock.advance(IN_FLIGHT_LEASE_SECONDS)

    retry = await world.create_and_confirm(SANDBOX, COMMAND, confirm=confirm, idempotency=await _claim(world, store))

    assert retry.created.resumed
    assert (retry.intent.id, retry.client_secret) == (first.intent.id, first.client_secret)
    assert list(world.db.intents) == [first.intent.id]
    assert len(world.gateway.pushes) == (1 if confirm else 0)  # never a second push
    assert world.event_types(first.intent.id) == (
        ["payment_intent.created", "payment_intent.processing"] if confirm else ["payment_intent.created"]
    )


async def test_a_retry_confirms_an_intent_whose_request_died_before_its_push(
    world: World, store: FakeIdempotencyStore
) -> None:
    claim = await _claim(world, store)
    created = await world.create_intent(SANDBOX, COMMAND, idempotency=claim)  # then the process died
    world.clock.advance(IN_FLIGHT_LEASE_SECONDS)

    retry = await world.create_and_confirm(SANDBOX, COMMAND, confirm=True, idempotency=await _claim(world, store))

    assert retry.intent.id == created.intent.id
    assert retry.intent.status is IntentStatus.PROCESSING
    assert len(world.gateway.pushes) == 1


async def test_a_retry_of_a_push_whose_answer_was_lost_answers_the_intent_as_it_is(
    world: World, store: FakeIdempotencyStore
) -> None:
    world.gateway.queue_push(PushAnswerLost(reason="read timeout"))
    first = await world.create_and_confirm(SANDBOX, COMMAND, confirm=True, idempotency=await _claim(world, store))
    world.clock.advance(IN_FLIGHT_LEASE_SECONDS)

    retry = await world.create_and_confirm(SANDBOX, COMMAND, confirm=True, idempotency=await _claim(world, store))

    assert retry.intent == world.intent(first.intent.id)
    assert retry.intent.status is IntentStatus.PROCESSING
    assert retry.error is None
    assert len(world.gateway.pushes) == 1


async def test_a_confirm_error_is_returned_with_the_intent_that_exists(world: World) -> None:
    world.gateway.queue_push(PushNotSent(reason="down"))

    result = await world.create_and_confirm(SANDBOX, COMMAND, confirm=True)

    assert isinstance(result.error, ProviderUnavailable)
    assert result.intent == result.created.intent  # as it was created (the push never happened)
    assert world.intent(result.intent.id).status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert result.something_was_done


async def test_a_request_whose_claim_was_taken_over_creates_nothing(world: World, store: FakeIdempotencyStore) -> None:
    stale = await _claim(world, store)
    world.clock.advance(IN_FLIGHT_LEASE_SECONDS)
    await _claim(world, store)  # another request took the key over

    with pytest.raises(IdempotencyClaimLost):
        await world.create_and_confirm(SANDBOX, COMMAND, confirm=True, idempotency=stale)

    assert world.db.intents == {}
    assert world.events() == []
    assert world.gateway.pushes == []


async def test_an_expired_key_forgets_what_it_was_bound_to(world: World, store: FakeIdempotencyStore) -> None:
    first = await world.create_and_confirm(SANDBOX, COMMAND, idempotency=await _claim(world, store))
    world.clock.advance(RETENTION_SECONDS)

    again = await world.create_and_confirm(SANDBOX, COMMAND, idempotency=await _claim(world, store))

    assert not again.created.resumed
    assert again.intent.id != first.intent.id


async def test_a_confirm_retried_after_its_process_died_answers_the_intent_without_a_second_push(
    world: World, store: FakeIdempotencyStore
) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(Accept(checkout_request_id="ws_CO_1"))
    await world.confirm(SANDBOX, created.intent.id, idempotency=await _claim(world, store))
    world.clock.advance(IN_FLIGHT_LEASE_SECONDS)

    again = await world.confirm(SANDBOX, created.intent.id, idempotency=await _claim(world, store))

    assert again == world.intent(created.intent.id)
    assert again.checkout_request_id == "ws_CO_1"
    assert len(world.gateway.pushes) == 1
