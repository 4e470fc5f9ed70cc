"""The circuit breaker around the real adapter, against the simulator, on a fake clock."""

from __future__ import annotations

import pytest

from micropay.adapters.daraja import BreakingDarajaGateway
from micropay.adapters.daraja.breaker import circuit_key
from micropay.domain.model.environment import Environment
from micropay.domain.model.push import PushAccepted, PushMisconfigured, PushNotSent, PushRejected, PushVerdict
from micropay.ports.daraja_gateway import CircuitOpen, ProviderUnavailable
from tests.fakes.clock import FakeClock
from tests.integration.daraja.conftest import GatewayFactory, RunningSimulator, credentials, push_request
from tests.integration.daraja.receiver import CallbackReceiver

KEY = circuit_key(Environment.SANDBOX, credentials())
DOWN, OK, BAD_PHONE = "254711000503", "254711000099", "254711000400"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(simulator: RunningSimulator, make_gateway: GatewayFactory, clock: FakeClock) -> BreakingDarajaGateway:
    return BreakingDarajaGateway(make_gateway(simulator.url, clock=clock), clock)


async def push(breaker: BreakingDarajaGateway, receiver_url: str, phone: str) -> PushVerdict:
    return await breaker.stk_push(credentials(), push_request(receiver_url, phone, "t"))


async def fail_times(breaker: BreakingDarajaGateway, receiver_url: str, times: int, clock: FakeClock) -> None:
    for _ in range(times):
        failed = await push(breaker, receiver_url, DOWN)
        assert isinstance(failed, PushNotSent)
        assert not failed.circuit_open  # Daraja itself answered 503
        clock.advance(1)


async def test_opens_on_the_sixth_failure_within_a_minute_and_closes_after_a_good_probe(
    simulator: RunningSimulator,
    receiver: tuple[CallbackReceiver, str],
    breaker: BreakingDarajaGateway,
    clock: FakeClock,
) -> None:
    _, url = receiver
    await fail_times(breaker, url, 5, clock)
    assert breaker.snapshot() == {KEY: "closed"}

    await fail_times(breaker, url, 1, clock)
    assert breaker.snapshot() == {KEY: "open"}
    sent = simulator.state.counters.stk_push_requests

    fast = await push(breaker, url, OK)
    with pytest.raises(CircuitOpen) as queried:
        await breaker.stk_query(credentials(), Environment.SANDBOX, "ws_CO_x")
    assert isinstance(queried.value, ProviderUnavailable)
    assert simulator.state.counters.stk_push_requests == sent  # nothing touched the network
    assert simulator.state.counters.stk_query_requests == 0
    assert isinstance(fast, PushNotSent)
    assert fast.circuit_open
    assert fast.exchange is None
    assert 1 <= fast.retry_after <= 30

    clock.advance(30)
    assert breaker.snapshot() == {KEY: "half_open"}
    assert isinstance(await push(breaker, url, OK), PushAccepted)
    assert breaker.snapshot() == {KEY: "closed"}
    assert simulator.state.counters.stk_push_requests == sent + 1


async def test_a_failed_probe_reopens_the_circuit(
    simulator: RunningSimulator,
    receiver: tuple[CallbackReceiver, str],
    breaker: BreakingDarajaGateway,
    clock: FakeClock,
) -> None:
    _, url = receiver
    await fail_times(breaker, url, 6, clock)
    clock.advance(30)

    probe = await push(breaker, url, DOWN)  # the probe goes out and fails
    assert isinstance(probe, PushNotSent)
    assert not probe.circuit_open

    assert breaker.snapshot() == {KEY: "open"}
    sent = simulator.state.counters.stk_push_requests
    refused = await push(breaker, url, OK)
    assert isinstance(refused, PushNotSent)
    assert refused.circuit_open
    assert simulator.state.counters.stk_push_requests == sent


async def test_a_customer_rejection_is_no_verdict(
    simulator: RunningSimulator,
    receiver: tuple[CallbackReceiver, str],
    breaker: BreakingDarajaGateway,
    clock: FakeClock,
) -> None:
    _, url = receiver
    await fail_times(breaker, url, 6, clock)
    clock.advance(30)

    assert isinstance(await push(breaker, url, BAD_PHONE), PushRejected)  # the probe is released: still half-open

    assert breaker.snapshot() == {KEY: "half_open"}
    assert isinstance(await push(breaker, url, OK), PushAccepted)
    assert breaker.snapshot() == {KEY: "closed"}


async def test_breakers_are_per_shortcode(
    receiver: tuple[CallbackReceiver, str], breaker: BreakingDarajaGateway, clock: FakeClock
) -> None:
    _, url = receiver
    await fail_times(breaker, url, 6, clock)
    other = credentials(short_code="600999", passkey="x")

    refused = await breaker.stk_push(other, push_request(url, OK, "t"))  # it reached Daraja: "Merchant does not exist"
    assert isinstance(refused, PushMisconfigured)
    assert refused.exchange is not None

    assert breaker.snapshot() == {KEY: "open", circuit_key(Environment.SANDBOX, other): "closed"}


async def test_merchants_sharing_the_sandbox_shortcode_have_circuits_of_their_own(
    receiver: tuple[CallbackReceiver, str], breaker: BreakingDarajaGateway, clock: FakeClock
) -> None:
    """Issue 10, defect 11: one app's failures on the shared 174379 must not open the circuit for others."""
    _, url = receiver
    await fail_times(breaker, url, 6, clock)  # consumer key "consumer-key" on 174379
    assert breaker.snapshot()[KEY] == "open"
    neighbour = credentials(key="another-merchants-consumer-key")  # same shortcode 174379, same passkey

    assert isinstance(await breaker.stk_push(neighbour, push_request(url, OK, "t")), PushAccepted)
    assert breaker.snapshot() == {KEY: "open", circuit_key(Environment.SANDBOX, neighbour): "closed"}
    own = await push(breaker, url, OK)  # the failing app's own circuit is still open
    assert isinstance(own, PushNotSent)
    assert own.circuit_open


def test_a_circuit_key_names_the_consumer_key_only_by_a_short_digest() -> None:
    key = circuit_key(Environment.SANDBOX, credentials(key="ck_visible_nowhere"))
    environment, shortcode, digest = key.split(":")
    assert (environment, shortcode) == ("sandbox", "174379")
    assert len(digest) == 8
    assert "ck_visible_nowhere" not in key
    assert "consumer-secret-value" not in key
    assert circuit_key(Environment.SANDBOX, credentials(key="ck_other")) != key
