"""Three ``micropay serve`` processes on one Postgres, behind a load balancer, under a mixed load of 300
payments over every simulator outcome, with an enabled webhook endpoint per merchant, and one of the three
killed with SIGKILL halfway through (issue 16, item 4). Once the two survivors have finished, the invariants
are checked from the database, the simulator's records and the webhook receiver:

- **no attempt pushed twice**: every push request Daraja received names (by its callback token) a push row,
  no push row reached Daraja twice, and no payment has more than one push row;
- **exactly one transition per result**: per intent, in ``seq`` order, one ``created``, one ``processing``
  per push row and exactly one terminal event (none while Daraja never settles it), and nothing else; the
  final status is the scenario's;
- **every event delivered to its endpoint**: each event has one delivery, which succeeded with exactly one
  recorded attempt; the receiver got every event id, signed with its endpoint's secret, exactly once, or
  twice when the killed process had that attempt in flight (at least once, deduplicated by ``webhook-id``);
- **every stuck intent reconciled once per interval**: the simulator's query times of one transaction are
  never closer than ``MICROPAY_RECONCILE_AFTER - 1`` seconds (``reconciled_at`` has whole seconds),
  whichever of the three processes asked, before and after the kill.

Layout (as docs/scaling.md describes it): the simulator, the balancer and the receiver live in this pytest
process; the API processes are separate interpreters sharing nothing but the database. Merchants' requests
go to the three processes in turn; Daraja's callbacks reach them through the balancer, which every
process names as its ``MICROPAY_PUBLIC_URL``. A request cut by the kill is retried on a survivor with the
same Idempotency-Key, as a merchant's client would.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import asyncpg
import httpx
import pytest

from micropay.adapters.webhooks.standard_webhooks import signature
from micropay.domain.use_cases.api_keys import CreateMerchant
from micropay.entrypoints.cli import request_scope
from micropay.entrypoints.settings import Settings
from micropay.entrypoints.simulator import SANDBOX_PASSKEY, SimulatorSettings, create_simulator_app, simulator_state
from tests import pg
from tests.e2e.harness import ServerLoop, _bound_socket, _Served, new_vault_key
from tests.e2e.realtime.processes import free_port
from tests.e2e.scaling.balancer import RoundRobinBalancer
from tests.e2e.scaling.push_log import PushLog
from tests.integration.webhooks.receiver import ReceivedRequest, Receiver, running_receiver

pytestmark = pytest.mark.postgres

PAYMENTS: Final = 300
CONCURRENCY: Final = 15
KILL_AFTER: Final = 150  # payments started before process 0 is killed
RECONCILE_AFTER: Final = 2  # seconds (whole seconds: two queries of one intent are >= 1 s apart)
WEBHOOK_TIMEOUT: Final = 3  # seconds; + the lease margin: how soon a killed process's attempt is taken over
WEBHOOK_LEASE_MARGIN: Final = 2
SETTLE_LIMIT_S: Final = 60.0
B_SHORTCODE: Final = "600777"  # merchant B's own Daraja app, so its outage opens only its own circuit
B_PASSKEY: Final = "scaling-test-passkey-b"
PYTHON: Final = sys.executable
TERMINAL_TYPES: Final = ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled")


@dataclass(frozen=True)
class Scenario:
    """What the simulator does for ``phone`` (docs/simulator.md) and what must become of the payment."""

    phone: str
    status: str  # the intent's final status
    terminal: str | None  # the one terminal event (None: Daraja never settles it)
    error_code: str | None = None  # last_payment_error.code
    merchant: str = "a"
    http_status: int = 201


SCENARIOS: Final = (
    Scenario(phone="254708374149", status="succeeded", terminal="payment_intent.succeeded"),
    Scenario(
        phone="254711000001", status="failed", terminal="payment_intent.payment_failed", error_code="insufficient_funds"
    ),
    Scenario(
        phone="254711001032",
        status="failed",
        terminal="payment_intent.payment_failed",
        error_code="canceled_by_customer",
    ),
    Scenario(
        phone="254711001037",
        status="failed",
        terminal="payment_intent.payment_failed",
        error_code="customer_unreachable",
    ),
    Scenario(phone="254711002001", status="failed", terminal="payment_intent.payment_failed", error_code="wrong_pin"),
    Scenario(phone="254711001019", status="failed", terminal="payment_intent.payment_failed", error_code="expired"),
    # no callback: the query says success, so the reconcile loop settles it
    Scenario(phone="254711000099", status="succeeded", terminal="payment_intent.succeeded"),
    # no callback, and the query says "still processing" for ever: asked again every RECONCILE_AFTER seconds
    Scenario(phone="254711000098", status="processing", terminal=None),
    Scenario(phone="254711000002", status="succeeded", terminal="payment_intent.succeeded"),  # 3 callbacks
    Scenario(
        phone="254711000400",
        status="failed",
        terminal="payment_intent.payment_failed",
        error_code="phone_number_invalid",
    ),
    Scenario(
        phone="254711000423", status="failed", terminal="payment_intent.payment_failed", error_code="customer_busy"
    ),
    Scenario(phone="254711000504", status="succeeded", terminal="payment_intent.succeeded"),  # the answer is held
    # Daraja down: the push is not taken, the intent returns to requires_payment_method (payment_failed); after
    # 5 failures a process's circuit for B's credentials opens and the rest are not even sent
    Scenario(
        phone="254711000503",
        status="requires_payment_method",
        terminal="payment_intent.payment_failed",
        merchant="b",
        http_status=503,
    ),
)
STUCK_PHONE: Final = "254711000098"


def scenario_of(n: int) -> Scenario:
    return SCENARIOS[n % len(SCENARIOS)]


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh database of its own: the reconcile loop and the dispatchers span tenants."""
    pg.require_postgres()
    with pg.postgres_database() as url:
        yield url


# --- the processes ------------------------------------------------------------------------------------


class ApiProcess:
    def __init__(self, index: int, port: int, env: dict[str, str], workdir: Path) -> None:
        self.index = index
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"api-{index}.log"
        command = [PYTHON, "-m", "micropay.entrypoints.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout  # building the app is slow on a loaded 2-core machine
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"API {self.index} did not become ready: {self.log.read_text(errors='replace')[-3000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU the process has used so far (Linux ``/proc``)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    def terminate(self) -> int:
        """SIGTERM (what an orchestrator sends), then its exit code; SIGKILL if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            raise AssertionError(f"API {self.index} did not stop on SIGTERM") from None


async def create_merchants(env: dict[str, str]) -> dict[str, str]:
    """Merchants A and B, made as ``micropay merchants create`` makes them (here: no extra interpreter to
    start on a busy machine); their sandbox secret keys."""
    async with request_scope(Settings.from_env(env, dotenv=None)) as scope:
        create = await scope.get(CreateMerchant)
        return {name: (await create(f"Scaling Shop {name}", None)).keys["sandbox"].secret for name in ("a", "b")}


# --- the load -------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    n: int
    key: str
    status_code: int | None = None
    body: dict[str, Any] = field(default_factory=dict)
    served_by: int | None = None
    cut_by_kill: bool = False  # the first request died with the killed process
    interrupted: bool = False  # still unanswered after the retry (the key held by the dead process)
    seconds: float = 0.0


class Load:
    def __init__(self, processes: list[ApiProcess], keys: dict[str, str]) -> None:
        self.processes = processes
        self.keys = keys
        self.alive = list(range(len(processes)))
        self._turn = itertools.count()
        self.outcomes: dict[int, Outcome] = {}
        self.killed_at: float | None = None
        self.killed: ApiProcess | None = None

    def _next_process(self) -> ApiProcess:
        return self.processes[self.alive[next(self._turn) % len(self.alive)]]

    def kill(self, process: ApiProcess) -> None:
        self.alive.remove(process.index)  # new requests go to the survivors from now on
        process.kill9()
        self.killed_at = time.monotonic()
        self.killed = process

    async def pay(self, http: httpx.AsyncClient, n: int) -> None:
        scenario = scenario_of(n)
        outcome = Outcome(n=n, key=f"scaling-{n}-{uuid.uuid4()}")
        self.outcomes[n] = outcome
        body = {
            "amount": (10 + n % 40) * 100,
            "currency": "kes",
            "phone_number": scenario.phone,
            "confirm": True,
            "metadata": {"n": str(n)},
        }
        headers = {"Authorization": f"Bearer {self.keys[scenario.merchant]}", "Idempotency-Key": outcome.key}
        began = time.monotonic()
        for _ in range(4):
            process = self._next_process()
            try:
                response = await http.post(f"{process.url}/v1/payment_intents", json=body, headers=headers)
            except httpx.TransportError:
                outcome.cut_by_kill = True  # the killed process (in flight, or not yet out of the rotation)
                await asyncio.sleep(0.05)
                continue
            if response.status_code == 409 and outcome.cut_by_kill:
                # The dead process holds the key (IN_FLIGHT_LEASE_SECONDS): what it did stays as it left it.
                assert response.json()["error"]["code"] == "idempotency_key_in_use", response.text
                outcome.interrupted = True
                return
            outcome.status_code = response.status_code
            outcome.seconds = time.monotonic() - began
            outcome.body = response.json()
            outcome.served_by = process.index
            return
        raise AssertionError(f"payment {n} found no live process")

    async def run(self, http: httpx.AsyncClient, victim: ApiProcess) -> None:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(n: int) -> None:
            async with gate:
                if n == KILL_AFTER:
                    # kill -9 while requests are in flight on it: cut mid-claim, mid-push, mid-callback
                    asyncio.get_running_loop().call_later(0.1, self.kill, victim)
                await self.pay(http, n)

        await asyncio.gather(*(one(n) for n in range(PAYMENTS)))


# --- what the database says -----------------------------------------------------------------------------


@dataclass
class Snapshot:
    intents: dict[int, list[asyncpg.Record]]  # by metadata n
    events: dict[str, list[asyncpg.Record]]  # by intent id, in seq order
    pushes: dict[str, list[asyncpg.Record]]  # push rows by intent id
    callbacks: dict[str, list[asyncpg.Record]]  # callback rows by intent id
    deliveries: list[asyncpg.Record]
    all_events: list[asyncpg.Record]


async def snapshot(connection: asyncpg.Connection) -> Snapshot:
    """Everything, read as the superuser (row-level security does not apply to it)."""
    intents: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for row in await connection.fetch(
        "SELECT id, merchant_id, status, phone_number, metadata->>'n' AS n, last_payment_error, attempt_count"
        " FROM micropay_payment_intents"
    ):
        intents[int(row["n"])].append(row)
    all_events = await connection.fetch(
        "SELECT seq, id, intent_id, type, merchant_id FROM micropay_events ORDER BY seq"
    )
    events: dict[str, list[asyncpg.Record]] = defaultdict(list)
    for row in all_events:
        events[row["intent_id"]].append(row)
    pushes: dict[str, list[asyncpg.Record]] = defaultdict(list)
    callbacks: dict[str, list[asyncpg.Record]] = defaultdict(list)
    for row in await connection.fetch(
        "SELECT intent_id, kind, outcome, callback_token_hash, checkout_request_id FROM micropay_provider_attempts"
        " WHERE kind IN ('stk_push', 'callback')"
    ):
        (pushes if row["kind"] == "stk_push" else callbacks)[row["intent_id"]].append(row)
    deliveries = await connection.fetch(
        "SELECT d.id, d.event_id, d.endpoint_id, d.status,"
        " count(a.id) AS attempts,"
        " count(a.id) FILTER (WHERE a.http_status BETWEEN 200 AND 299) AS succeeded"
        " FROM micropay_webhook_deliveries d LEFT JOIN micropay_webhook_attempts a ON a.delivery_id = d.id"
        " GROUP BY d.id"
    )
    return Snapshot(
        intents=intents,
        events=events,
        pushes=pushes,
        callbacks=callbacks,
        deliveries=deliveries,
        all_events=all_events,
    )


def expected_types(scenario: Scenario, pushes: int) -> list[str]:
    types = ["payment_intent.created"] + ["payment_intent.processing"] * pushes
    return types + ([scenario.terminal] if scenario.terminal is not None else [])


# --- the test ---------------------------------------------------------------------------------------------


def test_three_processes_300_mixed_payments_with_webhooks_and_a_kill_9(database_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    loop = ServerLoop()
    simulator_app = create_simulator_app(
        SimulatorSettings(callback_delay_ms=300, hold_ms=1500, merchants={B_SHORTCODE: B_PASSKEY})
    )
    push_log = PushLog(simulator_app)
    simulator = _Served(loop, push_log, _bound_socket())
    simulator.wait_started()
    balancer: RoundRobinBalancer | None = None
    processes: list[ApiProcess] = []
    try:
        with running_receiver() as receiver:
            env = {
                **{name: value for name, value in os.environ.items() if not name.startswith("MICROPAY_")},
                "MICROPAY_DATABASE_URL": database_url,
                "MICROPAY_VAULT_KEY": new_vault_key(),
                "MICROPAY_JWT_SECRET": secrets.token_urlsafe(48),
                "MICROPAY_DARAJA_SANDBOX_URL": simulator.url,
                "MICROPAY_SANDBOX_CONSUMER_KEY": "scaling-consumer-key",
                "MICROPAY_SANDBOX_CONSUMER_SECRET": "scaling-consumer-secret",
                "MICROPAY_SANDBOX_PASSKEY": SANDBOX_PASSKEY,
                "MICROPAY_DARAJA_CONNECT_TIMEOUT": "5",
                "MICROPAY_DARAJA_READ_TIMEOUT": "10",
                "MICROPAY_RECONCILE_INTERVAL": "1",
                "MICROPAY_RECONCILE_AFTER": str(RECONCILE_AFTER),
                "MICROPAY_DB_POOL_SIZE": "6",  # 3 x (6 + 6 overflow + 1 listener): the server is shared
                "MICROPAY_WEBHOOKS_ALLOW_PRIVATE": "true",
                "MICROPAY_WEBHOOK_TIMEOUT": str(WEBHOOK_TIMEOUT),
                "MICROPAY_WEBHOOK_LEASE_MARGIN": str(WEBHOOK_LEASE_MARGIN),
                "MICROPAY_WEBHOOK_POLL_INTERVAL": "0.5",
                "MICROPAY_WEBHOOK_CONCURRENCY": "8",
                "MICROPAY_WEBHOOK_PER_ENDPOINT": "8",  # one endpoint per merchant: let it take them all
                "MICROPAY_LOG_LEVEL": "WARNING",
            }
            # the ports first, so that every process can name the balancer as its public URL
            ports = [free_port() for _ in range(3)]
            balancer = RoundRobinBalancer(loop, ports).start()
            env["MICROPAY_PUBLIC_URL"] = balancer.url
            processes = [ApiProcess(index, port, env, tmp_path) for index, port in enumerate(ports)]
            keys = asyncio.run(create_merchants(env))  # while the three start
            for process in processes:
                process.wait_ready()
            ready_at = time.monotonic()
            secrets_by_path = setup_merchants(processes, keys, receiver)
            load = Load(processes, keys)
            asyncio.run(drive(load, processes[0]))
            loaded_at = time.monotonic()
            latencies = sorted(o.seconds for o in load.outcomes.values() if o.status_code)
            queries = asyncio.run(wait_settled(database_url, load, simulator_app))
            settled_at = time.monotonic()
            cpu = [f"{process.cpu_seconds():.1f}" for process in processes if process is not load.killed]
            exit_codes = [process.terminate() for process in processes if process is not load.killed]
            received = receiver.requests()
            after_stop = asyncio.run(read_all(database_url))
        print(
            f"\nready {ready_at - started:.1f} s; {PAYMENTS} payments in {loaded_at - ready_at:.1f} s;"
            f" settled {settled_at - loaded_at:.1f} s later; {len(after_stop.all_events)} events,"
            f" {len(received)} webhooks received; balancer connections {dict(balancer.connections)};"
            f" cut by the kill {sum(o.cut_by_kill for o in load.outcomes.values())},"
            f" interrupted {sum(o.interrupted for o in load.outcomes.values())}; create+confirm p50"
            f" {latencies[len(latencies) // 2]:.2f} s, p90 {latencies[len(latencies) * 9 // 10]:.2f} s;"
            f" survivors' CPU {cpu} s"
        )
    finally:
        for process in processes:
            if process.process.poll() is None:
                process.process.kill()
                process.process.wait(timeout=10)
        if balancer is not None:
            balancer.stop()
        simulator.stop()
        loop.close()

    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal: "terminated by SIGTERM", no traceback
    assert exit_codes == [-signal.SIGTERM, -signal.SIGTERM], exit_codes
    for process in processes:
        assert "Traceback" not in process.log.read_text(errors="replace"), process.log.read_text(errors="replace")
    assert load.killed is not None
    assert load.killed_at is not None
    check_spread(load, balancer)
    check_pushes(after_stop, push_log, simulator_app)
    check_transitions(after_stop, load)
    check_webhooks(after_stop, received, secrets_by_path, load.killed_at)
    check_reconcile(queries, after_stop, load)


def setup_merchants(processes: list[ApiProcess], keys: dict[str, str], receiver: Receiver) -> dict[str, bytes]:
    """B's own Daraja credentials; one webhook endpoint each (every event type); the signing keys by path."""
    signing: dict[str, bytes] = {}
    with httpx.Client(timeout=30) as http:
        answer = http.put(
            f"{processes[1].url}/v1/mpesa_credentials",
            headers={"Authorization": f"Bearer {keys['b']}"},
            json={
                "consumer_key": "scaling-b-consumer-key",
                "consumer_secret": "scaling-b-consumer-secret",
                "business_short_code": B_SHORTCODE,
                "passkey": B_PASSKEY,
                "transaction_type": "CustomerPayBillOnline",
            },
        )
        assert answer.status_code == 200, answer.text
        for merchant, process in (("a", processes[2]), ("b", processes[0])):
            answer = http.post(
                f"{process.url}/v1/webhook_endpoints",
                headers={"Authorization": f"Bearer {keys[merchant]}"},
                json={"url": f"{receiver.url}/{merchant}", "enabled_events": ["*"]},
            )
            assert answer.status_code == 201, answer.text
            signing[f"/{merchant}"] = base64.b64decode(answer.json()["secret"].removeprefix("whsec_"))
    return signing


async def drive(load: Load, victim: ApiProcess) -> None:
    limits = httpx.Limits(max_connections=CONCURRENCY * 3, max_keepalive_connections=CONCURRENCY * 3)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0), limits=limits) as http:
        await load.run(http, victim)


async def read_all(database_url: str) -> Snapshot:
    connection = await asyncpg.connect(pg._dsn(database_url))
    try:
        return await snapshot(connection)
    finally:
        await connection.close()


_PROCESSING: Final = "SELECT metadata->>'n' AS n FROM micropay_payment_intents WHERE status = 'processing'"
_PENDING: Final = "SELECT count(*) FROM micropay_webhook_deliveries WHERE status <> 'succeeded'"


async def wait_settled(database_url: str, load: Load, simulator_app: Any) -> dict[str, list[float]]:
    """Until every answered payment Daraja settles is settled, every delivery has succeeded, and every stuck
    transaction has been asked about at least twice (so there is a gap to measure); the simulator's query
    times of every transaction then."""
    answered = {n for n, o in load.outcomes.items() if not o.interrupted and scenario_of(n).phone != STUCK_PHONE}
    connection = await asyncpg.connect(pg._dsn(database_url))
    try:
        deadline = time.monotonic() + SETTLE_LIMIT_S
        next_report = time.monotonic() + 5
        while True:
            unsettled = sorted(answered & {int(row["n"]) for row in await connection.fetch(_PROCESSING)})
            pending = await connection.fetchval(_PENDING)
            transactions = list(simulator_state(simulator_app).transactions.values())
            stuck = [t for t in transactions if t.phone_number == STUCK_PHONE]
            under_asked = [t.checkout_request_id for t in stuck if len(t.queried_at) < 2]
            if not unsettled and pending == 0 and not under_asked:
                await asyncio.sleep(1.0)  # a copy of a webhook sent twice would arrive by now
                if await connection.fetchval(_PENDING) == 0:
                    return {t.checkout_request_id: list(t.queried_at) for t in transactions}
            if time.monotonic() > next_report:
                next_report += 5
                print(
                    f"waiting: {len(unsettled)} unsettled, {pending} deliveries pending, {len(under_asked)} under-asked"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not settled after {SETTLE_LIMIT_S:.0f} s: unsettled payments {unsettled[:20]},"
                    f" {pending} deliveries pending, {len(under_asked)} stuck transactions asked fewer than twice"
                )
            await asyncio.sleep(0.5)
    finally:
        await connection.close()


# --- the invariants ---------------------------------------------------------------------------------------


def check_spread(load: Load, balancer: RoundRobinBalancer) -> None:
    served = Counter(o.served_by for o in load.outcomes.values() if o.served_by is not None)
    assert set(served) == {0, 1, 2}, served  # every process served payments (the victim before its death)
    assert min(served.values()) >= 25, served
    assert len(balancer.connections) == 3, balancer.connections  # Daraja's callbacks reached all three
    assert any(o.cut_by_kill for o in load.outcomes.values())  # the kill did cut requests in flight
    for outcome in load.outcomes.values():
        if outcome.interrupted:
            continue
        scenario = scenario_of(outcome.n)
        assert outcome.status_code == scenario.http_status, (outcome.n, scenario.phone, outcome.body)
        intent = outcome.body if outcome.status_code == 201 else outcome.body["error"]["payment_intent"]
        if outcome.status_code == 503:
            assert outcome.body["error"]["code"] == "provider_unavailable", outcome.body
        assert intent["metadata"] == {"n": str(outcome.n)}


def check_pushes(final: Snapshot, push_log: PushLog, simulator_app: Any) -> None:
    """No attempt pushed twice: Daraja's record of pushes against the push rows."""
    rows = {row["callback_token_hash"]: row for rows in final.pushes.values() for row in rows}
    sent = push_log.by_token_hash()
    assert sent, "no push reached the simulator"
    assert max(sent.values()) == 1, [token for token, count in sent.items() if count > 1]  # no row pushed twice
    assert set(sent) <= set(rows)  # every push Daraja saw came from a push row
    for token, row in rows.items():
        if row["outcome"] in ("accepted", "rejected"):
            assert sent[token] == 1, row  # Daraja answered it: it got it, once
    for intent_id, intent_pushes in final.pushes.items():
        assert len(intent_pushes) == 1, (intent_id, intent_pushes)  # confirmed once: never a second push row
    # a CheckoutRequestID on a push row is one Daraja issued, to that row alone (accepted rows all have one;
    # a row whose answer died with its process gets it from its callback)
    transactions = simulator_state(simulator_app).transactions
    checkouts = Counter(row["checkout_request_id"] for row in rows.values() if row["checkout_request_id"])
    assert set(checkouts) <= set(transactions)
    assert max(checkouts.values()) == 1
    assert all(row["checkout_request_id"] for row in rows.values() if row["outcome"] == "accepted")


def check_transitions(final: Snapshot, load: Load) -> None:
    """Exactly one transition per result, in commit order; nothing that is not a status change."""
    seen_intents = set()
    unapplied: list[asyncpg.Record] = []
    for n, outcome in load.outcomes.items():
        scenario = scenario_of(n)
        intents = final.intents.get(n, [])
        assert len(intents) <= 1, (n, intents)  # an Idempotency-Key retried on another process: one intent
        if outcome.interrupted:
            check_interrupted(final, scenario, intents)
            continue
        assert len(intents) == 1, (n, scenario.phone)
        intent = intents[0]
        seen_intents.add(intent["id"])
        pushes = len(final.pushes.get(intent["id"], []))
        assert pushes == 1, (n, scenario.phone)
        types = [event["type"] for event in final.events.get(intent["id"], [])]
        assert types == expected_types(scenario, pushes), (n, scenario.phone, types)
        assert intent["status"] == scenario.status, (n, scenario.phone, intent["status"])
        error = json.loads(intent["last_payment_error"]) if intent["last_payment_error"] else None
        if scenario.error_code is not None:
            assert error is not None, (n, scenario.phone)
            assert error["code"] == scenario.error_code, (n, scenario.phone, error)
        callbacks = final.callbacks.get(intent["id"], [])
        applied = [row for row in callbacks if row["outcome"] == "applied"]
        assert len(applied) <= 1, (n, callbacks)  # three callbacks for 254711000002: one applied, two duplicates
        # a callback's raw row is stored before it is applied: the kill may leave one unapplied (outcome NULL)
        assert all(row["outcome"] in ("applied", "duplicate", None) for row in callbacks), (n, callbacks)
        unapplied.extend(row for row in callbacks if row["outcome"] is None)
    assert len(unapplied) <= CONCURRENCY, unapplied  # only callbacks the victim had in hand when it died
    other = {event["type"] for event in final.all_events} - {
        "payment_intent.created",
        "payment_intent.processing",
        *TERMINAL_TYPES,
    }
    assert not other, other  # no amount_mismatch, no unexpected_payment


def check_interrupted(final: Snapshot, scenario: Scenario, intents: list[asyncpg.Record]) -> None:
    """A payment whose request died with its process: whatever it got to do, no step is doubled."""
    if not intents:
        return  # it died before its create committed
    intent = intents[0]
    pushes = len(final.pushes.get(intent["id"], []))
    assert pushes <= 1, intent
    types = [event["type"] for event in final.events.get(intent["id"], [])]
    full = expected_types(scenario, pushes)
    assert types in (full, full[: 1 + pushes]), (scenario.phone, types)  # the terminal once, or not yet


def check_webhooks(
    final: Snapshot, received: list[ReceivedRequest], signing: dict[str, bytes], killed_at: float
) -> None:
    """Every event delivered to its endpoint: once per successful attempt, a second copy only for an attempt
    the killed process had in flight."""
    by_event = Counter(d["event_id"] for d in final.deliveries)
    assert set(by_event) == {event["id"] for event in final.all_events}
    assert max(by_event.values()) == 1  # one endpoint per merchant: one delivery per event
    for delivery in final.deliveries:
        assert delivery["status"] == "succeeded", delivery
        assert delivery["attempts"] == 1, delivery
        assert delivery["succeeded"] == 1, delivery
    copies: dict[str, list[ReceivedRequest]] = defaultdict(list)
    for request in received:
        copies[request.headers["webhook-id"]].append(request)
        message_id, timestamp = request.headers["webhook-id"], int(request.headers["webhook-timestamp"])
        expected = signature(signing[request.path], message_id, timestamp, request.body)
        assert expected in request.headers["webhook-signature"].split(" "), request.headers
        assert json.loads(request.body)["id"] == request.headers["webhook-id"]
    assert set(copies) == {event["id"] for event in final.all_events}  # none missing, none unknown
    merchants = {event["id"]: event["merchant_id"] for event in final.all_events}
    paths = {request.path for request in received}
    assert paths == {"/a", "/b"}
    twice = {event_id: requests for event_id, requests in copies.items() if len(requests) > 1}
    for event_id, requests in twice.items():
        assert len(requests) == 2, (event_id, len(requests))
        # the victim's attempt (sent before it died, read here a moment later), then a survivor's once the
        # victim's lease ran out (MICROPAY_WEBHOOK_TIMEOUT + MICROPAY_WEBHOOK_LEASE_MARGIN after its claim, in
        # whole seconds, less the claim's head start on the first copy), never at once
        first, second = requests
        assert first.received_at < killed_at + 2.0, event_id
        assert second.received_at - first.received_at >= WEBHOOK_TIMEOUT + WEBHOOK_LEASE_MARGIN - 3, event_id
    assert len(twice) <= 8  # at most the victim's MICROPAY_WEBHOOK_CONCURRENCY in flight
    assert len({merchants[e] for e in copies}) == 2


def check_reconcile(queries: dict[str, list[float]], final: Snapshot, load: Load) -> None:
    """Each stuck intent asked at most once per RECONCILE_AFTER across the three processes, before and after
    the kill; the ones the query settles are settled by it."""
    assert load.killed_at is not None
    stuck = 0
    for checkout, times in queries.items():
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert not gaps or min(gaps) >= RECONCILE_AFTER - 1, (checkout, gaps)
        stuck += len(times) >= 2
    stuck_intents = [
        rows[0]
        for n, rows in final.intents.items()
        if rows and scenario_of(n).phone == STUCK_PHONE and not load.outcomes[n].interrupted
    ]
    assert stuck >= len(stuck_intents) > 10
    asked_after_kill = [times for times in queries.values() if any(at > load.killed_at for at in times)]
    assert asked_after_kill  # the survivors kept asking
    query_settled = [n for n in final.intents if scenario_of(n).phone == "254711000099"]
    assert query_settled
    for n in query_settled:
        if not load.outcomes[n].interrupted:
            assert final.intents[n][0]["status"] == "succeeded", n
