"""The real stack on loopback: the Daraja simulator and the API, each served by uvicorn.

Both servers run in one background thread with its own event loop, so the tests keep their own
(function-scoped) loops and talk to the servers only over HTTP, as a merchant and Daraja would. The API
is the app ``create_app`` builds, with one override: the callback token issuer also remembers the tokens
it issues, so tests can post their own callbacks to ``/webhooks/mpesa/{token}`` (the attempts log only
shows a token's first 6 characters).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import socket
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, Final, TypeVar

import msgspec
import uvicorn
from dishka import Provider, Scope, provide
from litestar import Litestar

from micropay.adapters.system import Sha256CallbackTokenIssuer
from micropay.domain.use_cases.api_keys import CreateMerchant, MerchantCreated
from micropay.entrypoints.http.app import create_app
from micropay.entrypoints.http.server import server_config
from micropay.entrypoints.settings import Settings
from micropay.entrypoints.simulator import SANDBOX_PASSKEY, SimulatorSettings, create_simulator_app, simulator_state
from micropay.entrypoints.simulator.state import SimulatorState
from micropay.ports.callback_tokens import CallbackTokenIssuer, IssuedToken

T = TypeVar("T")

CALLBACK_DELAY_MS: Final = 100
HOLD_MS: Final = 1500
READ_TIMEOUT_S: Final = 1.0
#: Extra shortcodes the simulator knows, one per test that makes Daraja fail: the circuit breaker counts
#: failures per (environment, shortcode, consumer key), and these tests share one consumer key, so a shortcode
#: of their own keeps them off the circuit of the platform's sandbox credentials on the shared 174379.
FAULT_PASSKEY: Final = "e2e-fault-passkey"
FAULT_SHORTCODES: Final = tuple(str(600100 + n) for n in range(40))


class RecordingTokenIssuer(CallbackTokenIssuer):
    """The production issuer, plus a memory of every token issued (by its 6-character hint)."""

    def __init__(self, inner: Sha256CallbackTokenIssuer) -> None:
        self._inner = inner
        self._issued: list[IssuedToken] = []
        self._lock = threading.Lock()

    def issue(self) -> IssuedToken:
        issued = self._inner.issue()
        with self._lock:
            self._issued.append(issued)
        return issued

    def hash(self, token: str) -> str:
        return self._inner.hash(token)

    def token_for_hint(self, hint: str) -> str:
        """The one token issued with this hint (the attempts log shows ``"<hint>…"``)."""
        hint = hint.rstrip("…")
        with self._lock:
            found = [item.token for item in self._issued if item.hint == hint]
        if len(found) != 1:
            raise LookupError(f"{len(found)} issued tokens have the hint {hint!r}")
        return found[0]


class TokenRecorderProvider(Provider):
    """Overrides the container's ``CallbackTokenIssuer`` with the recording one."""

    scope = Scope.APP

    def __init__(self, recorder: RecordingTokenIssuer) -> None:
        super().__init__()
        self._recorder = recorder

    @provide
    def tokens(self) -> CallbackTokenIssuer:
        return self._recorder


class ServerLoop:
    """An event loop in a daemon thread, where the servers live."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="e2e-servers", daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return self.submit(coro).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


def _bound_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


class _Served:
    """One uvicorn server on an already bound socket, running in the server loop."""

    def __init__(self, loop: ServerLoop, app: Any, sock: socket.socket, config: uvicorn.Config | None = None) -> None:
        self._loop = loop
        self._sock = sock
        self._server = uvicorn.Server(
            config
            or uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False, timeout_graceful_shutdown=3)
        )
        self._task: Future[None] = loop.submit(self._server.serve(sockets=[sock]))
        port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def wait_started(self, timeout: float = 30.0) -> None:
        async def started() -> None:
            async with asyncio.timeout(timeout):
                while not self._server.started:
                    if self._task.done():
                        self._task.result()
                        raise RuntimeError("the server stopped before it started")
                    await asyncio.sleep(0.01)

        self._loop.run(started(), timeout + 1)

    def stop(self) -> None:
        self._server.should_exit = True
        try:
            self._task.result(timeout=15)
        finally:
            self._sock.close()


class Stack:
    """A running simulator + API pair on one database backend."""

    def __init__(
        self,
        *,
        backend: str,
        loop: ServerLoop,
        api_url: str,
        simulator_url: str,
        settings: Settings,
        api: Litestar,
        simulator: Litestar,
        tokens: RecordingTokenIssuer,
    ) -> None:
        self.backend = backend
        self.api_url = api_url
        self.simulator_url = simulator_url
        self.settings = settings
        self.tokens = tokens
        self._loop = loop
        self._api = api
        self._simulator = simulator
        self._fault_codes = itertools.cycle(FAULT_SHORTCODES)

    @property
    def simulator_state(self) -> SimulatorState:
        return simulator_state(self._simulator)

    def fault_shortcode(self) -> str:
        """A shortcode of its own (its own circuit) for a test that makes Daraja fail."""
        return next(self._fault_codes)

    async def create_merchant(self, name: str = "E2E Shop") -> MerchantCreated:
        """``CreateMerchant`` run inside the API's own container (and loop): the keys are shown once."""

        async def create() -> MerchantCreated:
            container = self._api.state.dishka_container
            async with container() as request:
                use_case = await request.get(CreateMerchant)
                created: MerchantCreated = await use_case(name, "owner@example.com")
                return created

        return await asyncio.wrap_future(self._loop.submit(create()))

    async def create_user(self, merchant_id: str, email: str, password: str, role: str = "owner") -> str:
        """``CreateUser`` inside the API's container (as ``micropay users create`` does); the user's id."""
        from micropay.domain.use_cases.users import CreateUser

        async def create() -> str:
            async with self._api.state.dishka_container() as request:
                user = await (await request.get(CreateUser))(merchant_id, email, password, role)
                return user.id

        return await asyncio.wrap_future(self._loop.submit(create()))


def new_vault_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def stack_settings(database_url: str, public_url: str, simulator_url: str, **settings_changes: Any) -> Settings:
    """The API's settings in the e2e stack (and the in-process one of ``tests/integration/http``)."""
    settings = Settings(
        database_url=database_url,
        vault_key=new_vault_key(),
        public_url=public_url,
        daraja_sandbox_url=simulator_url,
        daraja_production_url=simulator_url,
        sandbox_consumer_key="e2e-sandbox-consumer-key",
        sandbox_consumer_secret="e2e-sandbox-consumer-secret",
        sandbox_passkey=SANDBOX_PASSKEY,
        daraja_connect_timeout=2.0,
        daraja_read_timeout=READ_TIMEOUT_S,
        log_level="WARNING",
        reconcile_interval=0,
        jwt_secret=new_vault_key(),
        signup="open",
    )
    return msgspec.structs.replace(settings, **settings_changes)


def simulator_settings() -> SimulatorSettings:
    """The simulator's settings in the e2e stack: a short callback delay, and the fault shortcodes."""
    return SimulatorSettings(
        callback_delay_ms=CALLBACK_DELAY_MS,
        hold_ms=HOLD_MS,
        merchants={code: FAULT_PASSKEY for code in FAULT_SHORTCODES},
    )


@contextmanager
def running_stack(database_url: str, backend: str, **settings_changes: Any) -> Iterator[Stack]:
    """Start the simulator and the API (pointed at it and at ``database_url``); stop both after.

    The automatic reconciliation is off (so that what a test sees is what it did) unless
    ``settings_changes`` turn it on, e.g. ``reconcile_interval=0.2``.
    """
    loop = ServerLoop()
    try:
        simulator_app = create_simulator_app(simulator_settings())
        simulator = _Served(loop, simulator_app, _bound_socket())
        simulator.wait_started()
        try:
            api_socket = _bound_socket()
            public_url = f"http://127.0.0.1:{api_socket.getsockname()[1]}"
            settings = stack_settings(database_url, public_url, simulator.url, **settings_changes)
            tokens = RecordingTokenIssuer(Sha256CallbackTokenIssuer(public_url))
            api_app = create_app(settings, TokenRecorderProvider(tokens), configure_logs=False)
            # the API runs on the server `micropay serve` runs (our protocol and its limits, ADR 0013)
            api_config = server_config(
                api_app, settings, host="127.0.0.1", port=0, lifespan="on", timeout_graceful_shutdown=3
            )
            api = _Served(loop, api_app, api_socket, api_config)
            api.wait_started()
            try:
                yield Stack(
                    backend=backend,
                    loop=loop,
                    api_url=api.url,
                    simulator_url=simulator.url,
                    settings=settings,
                    api=api_app,
                    simulator=simulator_app,
                    tokens=tokens,
                )
            finally:
                api.stop()
        finally:
            simulator.stop()
    finally:
        loop.close()


def success_callback(
    checkout_request_id: str,
    *,
    merchant_request_id: str = "e2e-merchant-request",
    amount_shillings: float | str,
    receipt: str = "E2E0000001",
    phone: int = 254708374149,
    transaction_date: int = 20250101120000,
) -> bytes:
    """A Daraja success callback body, as Daraja sends it (numbers where Daraja sends numbers)."""
    body = {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": merchant_request_id,
                "CheckoutRequestID": checkout_request_id,
                "ResultCode": 0,
                "ResultDesc": "The service request is processed successfully.",
                "CallbackMetadata": {
                    "Item": [
                        {"Name": "Amount", "Value": amount_shillings},
                        {"Name": "MpesaReceiptNumber", "Value": receipt},
                        {"Name": "Balance"},
                        {"Name": "TransactionDate", "Value": transaction_date},
                        {"Name": "PhoneNumber", "Value": phone},
                    ]
                },
            }
        }
    }
    return msgspec.json.encode(body)
