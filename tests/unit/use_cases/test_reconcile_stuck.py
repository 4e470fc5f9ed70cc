"""ReconcileStuckPayments: one pass over the stuck processing intents of every tenant, on the fakes."""

from __future__ import annotations

import logging

import pytest

from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.push import PushAnswerLost
from micropay.domain.model.state_machine import UNANSWERED_ATTEMPT_TIMEOUT_SECONDS
from micropay.domain.use_cases.reconcile_stuck import ReconcileReport, ReconcileStuckPayments
from micropay.ports.daraja_gateway import CircuitOpen, ProviderConfigurationError, ProviderUnavailable
from micropay.ports.errors import StorageUnavailable
from micropay.ports.tenant_directory import StuckIntent
from tests.fakes import Accept, final, pending
from tests.unit.use_cases.world import DEFAULT_SANDBOX, MERCHANT_PAYLOAD, OTHER_SANDBOX, SANDBOX, World


def _pass(world: World) -> ReconcileStuckPayments:
    return ReconcileStuckPayments(world.directory, world.reconcile, world.clock, world.uow)


async def _processing(world: World, checkout: str, tenant: Tenant = SANDBOX) -> str:
    """A confirmed intent that Daraja accepted (``processing``, with ``checkout`` to query); 1 s later."""
    created = await world.new_intent(tenant)
    world.gateway.queue_push(Accept(checkout_request_id=checkout))
    await world.confirm(tenant, created.intent.id)
    world.clock.advance(1)
    return created.intent.id


def _queried(world: World) -> list[str]:
    return [query.checkout_request_id for query in world.gateway.queries]


async def test_settles_success_and_failure_and_leaves_pending_alone(world: World) -> None:
    paid = await _processing(world, "ws_CO_paid")
    declined = await _processing(world, "ws_CO_declined")
    waiting = await _processing(world, "ws_CO_waiting")
    world.gateway.script_query("ws_CO_paid", final("ws_CO_paid", "0", amount=150_000, receipt_number="NLJ7RT61SV"))
    world.gateway.script_query("ws_CO_declined", final("ws_CO_declined", "1032"))
    world.gateway.script_query("ws_CO_waiting", pending())
    before_waiting = world.intent(waiting)
    world.clock.advance(60)

    report = await _pass(world)()

    assert report == ReconcileReport(checked=3, settled=2, still_processing=1, failed_calls=0)
    assert world.intent(paid).status is IntentStatus.SUCCEEDED
    assert world.intent(declined).status is IntentStatus.FAILED
    assert world.intent(waiting) == before_waiting
    # every query went through ReconcilePaymentIntent, so each one is in its intent's provider log
    assert [len(world.queries(i)) for i in (paid, declined, waiting)] == [1, 1, 1]


async def test_only_intents_processing_for_older_than_seconds_are_asked(world: World) -> None:
    intent_id = await _processing(world, "ws_CO_young")
    world.gateway.script_query("ws_CO_young", final("ws_CO_young", "0", amount=150_000, receipt_number="R1"))
    world.clock.advance(28)  # 29 s since it became processing

    assert await _pass(world)(older_than=30) == ReconcileReport()
    assert world.gateway.queries == []
    assert world.intent(intent_id).status is IntentStatus.PROCESSING

    world.clock.advance(1)
    assert await _pass(world)(older_than=30) == ReconcileReport(checked=1, settled=1)
    assert world.intent(intent_id).status is IntentStatus.SUCCEEDED


async def test_intents_in_other_statuses_are_never_asked(world: World) -> None:
    fresh = await world.new_intent()
    canceled = await world.new_intent()
    await world.cancel(SANDBOX, canceled.intent.id)
    world.clock.advance(3600)

    assert await _pass(world)() == ReconcileReport()
    assert world.gateway.queries == []
    assert world.intent(fresh.intent.id).status is IntentStatus.REQUIRES_PAYMENT_METHOD


async def test_limit_takes_the_oldest_first(world: World) -> None:
    checkouts = [f"ws_CO_{n}" for n in range(4)]
    for checkout in checkouts:
        await _processing(world, checkout, OTHER_SANDBOX if checkout.endswith("1") else SANDBOX)
    world.clock.advance(60)

    report = await _pass(world)(limit=3)

    assert report == ReconcileReport(checked=3, still_processing=3)
    assert _queried(world) == checkouts[:3]


async def test_a_failed_call_is_counted_logged_and_the_pass_goes_on(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    down = await _processing(world, "ws_CO_down")
    refused = await _processing(world, "ws_CO_refused")
    paid = await _processing(world, "ws_CO_paid")
    world.gateway.script_query("ws_CO_down", ProviderUnavailable("Daraja answered 503."))
    world.gateway.script_query("ws_CO_refused", ProviderConfigurationError("Daraja refused the credentials."))
    world.gateway.script_query("ws_CO_paid", final("ws_CO_paid", "0", amount=150_000, receipt_number="R2"))
    world.clock.advance(60)

    with caplog.at_level(logging.WARNING, logger="micropay.domain.use_cases.reconcile_stuck"):
        report = await _pass(world)()

    assert report == ReconcileReport(checked=3, settled=1, failed_calls=2)
    assert world.intent(down).status is IntentStatus.PROCESSING
    assert world.intent(refused).status is IntentStatus.PROCESSING
    assert world.intent(paid).status is IntentStatus.SUCCEEDED
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert down in logged
    assert "provider_unavailable" in logged
    assert refused in logged
    assert "provider_configuration_error" in logged
    for secret in (DEFAULT_SANDBOX.consumer_key, DEFAULT_SANDBOX.consumer_secret, DEFAULT_SANDBOX.passkey):
        assert secret not in logged


async def test_missing_credentials_count_as_a_failed_call() -> None:
    world = World(default_sandbox=False)
    await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)
    intent_id = await _processing(world, "ws_CO_nocreds")
    await world.delete_credentials(SANDBOX)  # the merchant removed them while the payment was pending
    world.clock.advance(60)

    report = await _pass(world)()

    assert report == ReconcileReport(checked=1, failed_calls=1)
    assert world.intent(intent_id).status is IntentStatus.PROCESSING
    assert world.gateway.queries == []


async def test_an_open_circuit_stops_the_pass_for_that_merchant(world: World) -> None:
    first = await _processing(world, "ws_CO_a1")
    await _processing(world, "ws_CO_a2")
    other = await _processing(world, "ws_CO_b1", OTHER_SANDBOX)
    await _processing(world, "ws_CO_a3")
    world.gateway.script_query("ws_CO_a1", CircuitOpen("The circuit is open.", retry_after=30))
    world.gateway.script_query("ws_CO_b1", final("ws_CO_b1", "0", amount=150_000, receipt_number="R3"))
    world.clock.advance(60)

    report = await _pass(world)()

    # a2 and a3 would fail fast on the same shortcode: never asked; the other merchant is still served
    assert report == ReconcileReport(checked=2, settled=1, failed_calls=1, skipped=2)
    assert _queried(world) == ["ws_CO_a1", "ws_CO_b1"]
    assert world.intent(first).status is IntentStatus.PROCESSING
    assert world.intent(other).status is IntentStatus.SUCCEEDED


async def test_with_one_merchant_an_open_circuit_ends_the_pass(world: World) -> None:
    for n in range(3):
        await _processing(world, f"ws_CO_{n}")
    world.gateway.queue_query(CircuitOpen("The circuit is open.", retry_after=30))
    world.clock.advance(60)

    report = await _pass(world)()

    assert report == ReconcileReport(checked=1, failed_calls=1, skipped=2)
    assert _queried(world) == ["ws_CO_0"]


async def test_a_lost_push_answer_expires_once_old_enough_without_a_query(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(PushAnswerLost(reason="Read timeout."))
    await world.confirm(SANDBOX, created.intent.id)
    world.clock.advance(60)

    assert await _pass(world)() == ReconcileReport(checked=1, still_processing=1)

    world.clock.advance(UNANSWERED_ATTEMPT_TIMEOUT_SECONDS)
    assert await _pass(world)() == ReconcileReport(checked=1, settled=1)
    intent = world.intent(created.intent.id)
    assert intent.status is IntentStatus.FAILED
    assert intent.last_payment_error is not None
    assert intent.last_payment_error.code == "expired"
    assert world.gateway.queries == []


async def test_the_directory_being_down_fails_the_whole_pass(world: World) -> None:
    await _processing(world, "ws_CO_x")
    world.clock.advance(60)
    world.db.down = True

    with pytest.raises(StorageUnavailable):
        await _pass(world)()


async def test_an_intent_daraja_keeps_calling_pending_is_asked_at_most_once_per_older_than(world: World) -> None:
    intent_id = await _processing(world, "ws_CO_forever")
    world.clock.advance(30)

    assert await _pass(world)(older_than=30) == ReconcileReport(checked=1, still_processing=1)
    for _ in range(3):  # every later pass within older_than seconds of the question leaves it alone
        world.clock.advance(9)
        assert await _pass(world)(older_than=30) == ReconcileReport()
    world.clock.advance(3)  # 30 s since it was asked
    assert await _pass(world)(older_than=30) == ReconcileReport(checked=1, still_processing=1)

    assert _queried(world) == ["ws_CO_forever", "ws_CO_forever"]
    assert world.intent(intent_id).status is IntentStatus.PROCESSING


async def test_a_failed_call_also_waits_older_than_before_the_next_try(world: World) -> None:
    await _processing(world, "ws_CO_down")
    world.gateway.script_query("ws_CO_down", ProviderUnavailable("Daraja answered 503."))
    world.clock.advance(60)

    assert await _pass(world)() == ReconcileReport(checked=1, failed_calls=1)
    world.clock.advance(59)
    assert await _pass(world)() == ReconcileReport()
    world.clock.advance(1)
    assert await _pass(world)() == ReconcileReport(checked=1, failed_calls=1)


async def test_more_permanently_pending_intents_than_the_limit_are_all_checked_over_successive_passes(
    world: World,
) -> None:
    checkouts = [f"ws_CO_pending_{n}" for n in range(5)]
    for checkout in checkouts:
        await _processing(world, checkout)  # Daraja answers "still processing" for ever (the fake's default)
    late = await _processing(world, "ws_CO_late")
    world.gateway.script_query("ws_CO_late", final("ws_CO_late", "0", amount=150_000, receipt_number="R5"))
    world.clock.advance(60)

    reports = []
    for _ in range(3):
        reports.append(await _pass(world)(limit=2))
        world.clock.advance(5)

    # oldest first, and the ones just asked go to the back: the newest stuck payment is reached too
    assert _queried(world) == [*checkouts, "ws_CO_late"]
    assert [report.checked for report in reports] == [2, 2, 2]
    assert world.intent(late).status is IntentStatus.SUCCEEDED

    # once older_than has passed since they were asked, the pending ones come round again, oldest first
    world.clock.advance(60)
    await _pass(world)(limit=2)
    assert _queried(world)[6:] == checkouts[:2]


class _StaleDirectory:
    """The directory as another process saw it a moment ago: the same candidates, listed again."""

    def __init__(self, inner: object, listed: list[StuckIntent]) -> None:
        self._inner = inner
        self._listed = listed

    async def stuck_intents(self, *, updated_before: int, limit: int) -> list[StuckIntent]:
        return list(self._listed)


async def test_an_intent_leased_by_another_process_since_it_was_listed_is_not_queried_again(world: World) -> None:
    """Issue 10, defect 10: two workers listing the same stuck intent query it once (the lease decides)."""
    first = await _processing(world, "ws_CO_one")
    second = await _processing(world, "ws_CO_two")
    world.gateway.script_query("ws_CO_one", pending(), pending())
    world.gateway.script_query("ws_CO_two", pending(), pending())
    world.clock.advance(60)
    cutoff = int(world.clock.now()) - 30
    listed = await world.directory.stuck_intents(updated_before=cutoff, limit=100)
    assert {c.intent_id for c in listed} == {first, second}

    assert await _pass(world)(older_than=30) == ReconcileReport(checked=2, still_processing=2)
    other_worker = ReconcileStuckPayments(
        _StaleDirectory(world.directory, listed),  # type: ignore[arg-type]
        world.reconcile,
        world.clock,
        world.uow,
    )
    report = await other_worker(older_than=30)

    assert report == ReconcileReport(leased_elsewhere=2)
    assert sorted(_queried(world)) == ["ws_CO_one", "ws_CO_two"]  # once each, not twice

    world.clock.advance(31)  # the lease (and the "still processing" mark) has aged out: asked again
    assert await other_worker(older_than=30) == ReconcileReport(checked=2, still_processing=2)
    assert sorted(_queried(world)) == ["ws_CO_one", "ws_CO_one", "ws_CO_two", "ws_CO_two"]


async def test_the_lease_is_a_compare_and_swap_on_the_last_activity(world: World) -> None:
    intent_id = await _processing(world, "ws_CO_done")
    async with world.uow(SANDBOX) as uow:
        assert await uow.intents.claim_reconcile(intent_id, active_before=0, at=1) is False  # too recent
        assert await uow.intents.claim_reconcile("pi_missing", active_before=10**10, at=1) is False
        assert await uow.intents.claim_reconcile(intent_id, active_before=10**10, at=5) is True
        assert await uow.intents.claim_reconcile(intent_id, active_before=4, at=6) is False  # leased at 5
