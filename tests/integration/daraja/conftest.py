"""Fixtures: the simulator and a callback receiver on real loopback ports, and gateways pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from micropay.adapters.daraja import HttpxDarajaGateway, QueryBackoff, make_daraja_client
from micropay.adapters.system import SystemClock
from micropay.domain.model.credentials import DarajaCredentials, TransactionType
from micropay.domain.model.environment import Environment
from micropay.entrypoints.simulator import SANDBOX_PASSKEY, SimulatorSettings, create_simulator_app, simulator_state
from micropay.entrypoints.simulator.state import SimulatorState
from micropay.ports.clock import Clock
from micropay.ports.daraja_gateway import StkPushRequest
from tests.integration.daraja.receiver import CallbackReceiver
from tests.integration.daraja.servers import serve

FAST = SimulatorSettings(callback_delay_ms=50, hold_ms=1000, seed=7)


class RunningSimulator(msgspec.Struct, kw_only=True):
    url: str
    app: Litestar

    @property
    def state(self) -> SimulatorState:
        return simulator_state(self.app)


def credentials(
    short_code: str = "174379", passkey: str = SANDBOX_PASSKEY, key: str = "consumer-key"
) -> DarajaCredentials:
    return DarajaCredentials(
        consumer_key=key,
        consumer_secret="consumer-secret-value",
        business_short_code=short_code,
        passkey=passkey,
        transaction_type=TransactionType.PAYBILL,
    )


def push_request(receiver_url: str, phone: str, token: str, amount: int = 150) -> StkPushRequest:
    return StkPushRequest(
        environment=Environment.SANDBOX,
        amount_shillings=amount,
        phone_number=phone,
        account_reference="INV1001",
        transaction_desc="Order 1001",
        callback_url=f"{receiver_url}/webhooks/mpesa/{token}",
    )


@asynccontextmanager
async def running_simulator(settings: SimulatorSettings = FAST) -> AsyncIterator[RunningSimulator]:
    app = create_simulator_app(settings)
    async with serve(app) as url:
        yield RunningSimulator(url=url, app=app)


@pytest.fixture
async def simulator() -> AsyncIterator[RunningSimulator]:
    async with running_simulator() as sim:
        yield sim


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[CallbackReceiver, str]]:
    recorder = CallbackReceiver()
    async with serve(recorder.app) as url:
        yield recorder, url


GatewayFactory = Callable[..., HttpxDarajaGateway]


@pytest.fixture
async def make_gateway() -> AsyncIterator[GatewayFactory]:
    """``make_gateway(base_url, clock=SystemClock(), read_timeout=5.0, **gateway_kwargs)``; clients are closed after."""
    async with AsyncExitStack() as stack:

        def factory(
            base_url: str, clock: Clock | None = None, read_timeout: float = 5.0, **kwargs: Any
        ) -> HttpxDarajaGateway:
            client: httpx.AsyncClient = make_daraja_client(connect_timeout=2.0, read_timeout=read_timeout)
            stack.push_async_callback(client.aclose)
            kwargs.setdefault("query_backoff", QueryBackoff(attempts=1, jitter=False))
            return HttpxDarajaGateway(client, {Environment.SANDBOX: base_url}, clock or SystemClock(), **kwargs)

        yield factory
