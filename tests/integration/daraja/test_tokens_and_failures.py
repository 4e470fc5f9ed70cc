"""OAuth caching, single flight and refresh; transport failures; redaction, all over loopback HTTP."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from micropay.adapters.daraja import QueryBackoff
from micropay.domain.model.environment import Environment
from micropay.domain.model.push import PushAccepted, PushMisconfigured, PushNotSent
from micropay.entrypoints.simulator import SimulatorSettings
from micropay.ports.daraja_gateway import ProviderConfigurationError, ProviderUnavailable, QueryFinal, QueryPending
from tests.fakes.clock import FakeClock
from tests.integration.daraja.conftest import (
    GatewayFactory,
    RunningSimulator,
    credentials,
    push_request,
    running_simulator,
)
from tests.integration.daraja.receiver import CallbackReceiver
from tests.integration.daraja.servers import free_port

SANDBOX = Environment.SANDBOX


async def test_fifty_concurrent_pushes_share_one_token(
    simulator: RunningSimulator, receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    _, receiver_url = receiver
    gateway = make_gateway(simulator.url)

    results = await asyncio.gather(
        *(gateway.stk_push(credentials(), push_request(receiver_url, "254711000099", f"c{i}")) for i in range(50))
    )

    accepted = [r for r in results if isinstance(r, PushAccepted)]
    assert len(accepted) == 50
    assert len({r.checkout_request_id for r in accepted}) == 50
    assert simulator.state.counters.oauth_requests == 1
    assert simulator.state.counters.stk_push_requests == 50


async def test_token_is_reused_until_sixty_seconds_before_expiry(
    simulator: RunningSimulator, receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    _, receiver_url = receiver
    clock = FakeClock()
    gateway = make_gateway(simulator.url, clock=clock)

    await gateway.stk_push(credentials(), push_request(receiver_url, "254711000099", "a"))
    clock.advance(3599 - 60 - 1)
    await gateway.stk_push(credentials(), push_request(receiver_url, "254711000099", "b"))
    assert simulator.state.counters.oauth_requests == 1

    clock.advance(1)
    await gateway.stk_push(credentials(), push_request(receiver_url, "254711000099", "c"))
    assert simulator.state.counters.oauth_requests == 2


async def test_tokens_are_per_consumer_key(
    simulator: RunningSimulator, receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    _, receiver_url = receiver
    gateway = make_gateway(simulator.url)

    await gateway.stk_push(credentials(key="app-one"), push_request(receiver_url, "254711000099", "a"))
    await gateway.stk_push(credentials(key="app-two"), push_request(receiver_url, "254711000099", "b"))
    await gateway.stk_push(credentials(key="app-one"), push_request(receiver_url, "254711000099", "c"))

    assert simulator.state.counters.oauth_requests == 2


async def test_refreshes_once_when_daraja_forgets_the_token(
    simulator: RunningSimulator, receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    _, receiver_url = receiver
    gateway = make_gateway(simulator.url)
    first = await gateway.stk_push(credentials(), push_request(receiver_url, "254711000099", "a"))
    assert isinstance(first, PushAccepted)
    async with httpx.AsyncClient() as admin:  # the simulator "restarts": every token it issued is gone
        (await admin.post(f"{simulator.url}/simulator/revoke-tokens")).raise_for_status()

    pushed = await gateway.stk_push(credentials(), push_request(receiver_url, "254711000099", "b"))
    queried = await gateway.stk_query(credentials(), SANDBOX, first.checkout_request_id)

    assert isinstance(pushed, PushAccepted)
    assert isinstance(queried, QueryPending | QueryFinal)
    assert simulator.state.counters.oauth_requests == 2
    assert simulator.state.counters.stk_push_requests == 3  # 1 + (refused, re-sent)
    assert len(simulator.state.transactions) == 2  # the refused push never happened


async def test_connection_refused_is_unavailable(make_gateway: GatewayFactory) -> None:
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    gateway = make_gateway(
        f"http://127.0.0.1:{free_port()}",
        query_backoff=QueryBackoff(attempts=3, base_delay=0.5, max_delay=0.75, jitter=False),
        sleep=record,
    )

    refused = await gateway.stk_push(credentials(), push_request("http://127.0.0.1:1", "254708374149", "x"))
    assert isinstance(refused, PushNotSent)  # OAuth could not be reached: nothing was pushed
    with pytest.raises(ProviderUnavailable):
        await gateway.stk_query(credentials(), SANDBOX, "ws_CO_x")
    assert delays == [0.5, 0.75]  # three query attempts, backoff between them; the push is never retried


@pytest.mark.parametrize(
    ("short_code", "passkey", "message"),
    [
        ("174379", "not-the-passkey", "Wrong credentials"),
        ("600999", "anything", "Merchant does not exist"),
    ],
)
async def test_merchant_setup_errors(
    simulator: RunningSimulator,
    receiver: tuple[CallbackReceiver, str],
    make_gateway: GatewayFactory,
    short_code: str,
    passkey: str,
    message: str,
) -> None:
    _, receiver_url = receiver
    gateway = make_gateway(simulator.url)
    setup = credentials(short_code=short_code, passkey=passkey)

    pushed = await gateway.stk_push(setup, push_request(receiver_url, "254708374149", "x"))
    with pytest.raises(ProviderConfigurationError) as queried:
        await gateway.stk_query(setup, SANDBOX, "ws_CO_x")

    assert isinstance(pushed, PushMisconfigured)
    assert message in pushed.reason
    assert message in queried.value.message


async def test_registered_merchants_can_push(
    receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    recorder, receiver_url = receiver
    settings = SimulatorSettings.from_env(
        {"MICROPAY_SIM_MERCHANTS": "600100:secret-passkey-1", "MICROPAY_SIM_CALLBACK_DELAY_MS": "20"}
    )
    async with running_simulator(settings) as sim:
        gateway = make_gateway(sim.url)
        accepted = await gateway.stk_push(
            credentials(short_code="600100", passkey="secret-passkey-1"),
            push_request(receiver_url, "254708374149", "own"),
        )
        assert isinstance(accepted, PushAccepted)
        (delivery,) = await recorder.wait_for("own")
    assert delivery.headers["businessshortcode"] == "600100"
    assert delivery.body["Body"]["stkCallback"]["CheckoutRequestID"] == accepted.checkout_request_id


async def test_no_secret_in_any_exchange_or_error(
    simulator: RunningSimulator, receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    _, receiver_url = receiver
    gateway = make_gateway(simulator.url)
    setup = credentials()
    outcomes: list[object] = []
    for phone in ("254708374149", "254711000400", "254711000423", "254711000503"):
        outcomes.append(await gateway.stk_push(setup, push_request(receiver_url, phone, "abcdefSECRETTOKEN")))
    outcomes.append(await gateway.stk_query(setup, SANDBOX, "ws_CO_unknown"))
    tokens = list(simulator.state.tokens)
    assert tokens

    for outcome in outcomes:
        exchange = outcome.exchange  # type: ignore[attr-defined]
        text = repr(exchange) + repr(outcome) + str(outcome)
        assert exchange.request["Password"] == "[REDACTED]"
        for secret in (setup.passkey, setup.consumer_secret, "SECRETTOKEN", *tokens):
            assert secret not in text
        assert "authorization" not in text.lower()
    pushed = outcomes[0].exchange.request  # type: ignore[attr-defined]
    assert pushed["CallBackURL"] == f"{receiver_url}/webhooks/mpesa/abcdef[REDACTED]"
    assert "consumer" not in repr(gateway)
