"""The breaker reads a push's verdict: not sent and lost are Daraja failing; rejected and misconfigured say
nothing about Daraja's health; while open, a push is answered ``PushNotSent(circuit_open=True)`` unsent."""

from __future__ import annotations

import pytest

from micropay.adapters.daraja import BreakingDarajaGateway
from micropay.adapters.daraja.breaker import circuit_key
from micropay.domain.model.circuit_breaker import BreakerPolicy
from micropay.domain.model.environment import Environment
from micropay.domain.model.push import PushAccepted, PushAnswerLost, PushMisconfigured, PushNotSent, PushVerdict
from micropay.ports.daraja_gateway import StkPushRequest
from tests.fakes import Accept, FakeClock, FakeDarajaGateway, rejected
from tests.unit.use_cases.world import DEFAULT_SANDBOX

POLICY = BreakerPolicy(max_failures=2, window=60.0, cooldown=30.0)
KEY = circuit_key(Environment.SANDBOX, DEFAULT_SANDBOX)
PUSH = StkPushRequest(
    environment=Environment.SANDBOX,
    amount_shillings=10,
    phone_number="254712345678",
    account_reference="REF",
    transaction_desc="Payment REF",
    callback_url="http://test/webhooks/mpesa/token",
)


def _breaker() -> tuple[FakeDarajaGateway, FakeClock, BreakingDarajaGateway]:
    inner, clock = FakeDarajaGateway(), FakeClock()
    return inner, clock, BreakingDarajaGateway(inner, clock, POLICY)


@pytest.mark.parametrize("failing", [PushNotSent(reason="503"), PushAnswerLost(reason="read timeout")])
async def test_not_sent_and_lost_pushes_open_the_circuit_then_pushes_are_not_sent(failing: PushVerdict) -> None:
    inner, _, breaker = _breaker()
    inner.queue_push(failing, failing, failing)
    for _ in range(3):
        assert await breaker.stk_push(DEFAULT_SANDBOX, PUSH) == failing  # passed through as it is
    assert breaker.snapshot() == {KEY: "open"}

    refused = await breaker.stk_push(DEFAULT_SANDBOX, PUSH)

    assert isinstance(refused, PushNotSent)
    assert (refused.circuit_open, refused.exchange) == (True, None)
    assert refused.retry_after == 30.0
    assert len(inner.pushes) == 3  # Daraja was not asked


@pytest.mark.parametrize(
    "verdict",
    [
        rejected("Locked.", error_code="customer_busy", provider_code="500.001.1001"),
        PushMisconfigured(reason="Merchant does not exist"),
    ],
    ids=["rejected", "misconfigured"],
)
async def test_rejected_and_misconfigured_pushes_never_open_the_circuit(verdict: PushVerdict) -> None:
    inner, _, breaker = _breaker()
    inner.queue_push(*[verdict] * 10)
    for _ in range(10):
        assert await breaker.stk_push(DEFAULT_SANDBOX, PUSH) == verdict
    assert breaker.snapshot() == {KEY: "closed"}


async def test_a_half_open_probe_rejected_lets_the_next_push_probe_and_an_acceptance_closes_it() -> None:
    inner, clock, breaker = _breaker()
    inner.queue_push(*[PushNotSent()] * 3)
    for _ in range(3):
        await breaker.stk_push(DEFAULT_SANDBOX, PUSH)
    clock.advance(31)
    assert breaker.snapshot() == {KEY: "half_open"}
    inner.queue_push(rejected("Invalid.", error_code="phone_number_invalid", provider_code="400.002.02"))

    assert not isinstance(await breaker.stk_push(DEFAULT_SANDBOX, PUSH), PushNotSent)  # the probe went out
    assert breaker.snapshot() == {KEY: "half_open"}  # no verdict on Daraja: the probe is released
    inner.queue_push(Accept(checkout_request_id="ws_CO_ok"))
    accepted = await breaker.stk_push(DEFAULT_SANDBOX, PUSH)

    assert isinstance(accepted, PushAccepted)
    assert breaker.snapshot() == {KEY: "closed"}
    assert len(inner.pushes) == 5


async def test_a_push_that_raises_releases_its_probe_and_the_exception_escapes() -> None:
    inner, clock, breaker = _breaker()
    inner.queue_push(*[PushAnswerLost()] * 3)
    for _ in range(3):
        await breaker.stk_push(DEFAULT_SANDBOX, PUSH)
    clock.advance(31)

    async def crash(*_: object) -> PushVerdict:
        raise RuntimeError("bug")

    inner.stk_push = crash  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await breaker.stk_push(DEFAULT_SANDBOX, PUSH)
    assert breaker.snapshot() == {KEY: "half_open"}  # not stuck with a probe in flight
    del inner.stk_push  # the fake answers again: the next push is the probe, and its acceptance closes the circuit
    assert isinstance(await breaker.stk_push(DEFAULT_SANDBOX, PUSH), PushAccepted)
    assert breaker.snapshot() == {KEY: "closed"}
