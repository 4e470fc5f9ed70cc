"""Two real ``micropay serve`` processes on one Postgres reconcile each stuck intent once per interval
(issue 10, defect 10), and when one is killed with SIGKILL the other takes over its leases.

Before the lease, both workers' maintenance loops listed the same stuck intents and each asked Daraja
about them, often twice within a second. Now each pass takes a lease per intent (a compare-and-swap on
``reconciled_at``) before the query. The simulator (in this process) records when each transaction was
queried; the callbacks are held back for ten minutes so every intent stays ``processing`` and is asked
again every ``MICROPAY_RECONCILE_AFTER`` seconds.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import httpx
import pytest

from micropay.entrypoints.simulator import SANDBOX_PASSKEY, SimulatorSettings, create_simulator_app, simulator_state
from tests import pg
from tests.e2e.harness import ServerLoop, _Served, new_vault_key

RECONCILE_AFTER: Final = 2  # seconds; reconciled_at has whole seconds, so two queries are >= 1 s apart
INTENTS: Final = 16
PYTHON: Final = sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def postgres_only_url() -> Iterator[str]:
    """A fresh database of its own: no other test's stuck intents in the queue."""
    pg.require_postgres()
    with pg.postgres_database() as url:
        yield url


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [PYTHON, "-m", "micropay.entrypoints.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "MICROPAY_PUBLIC_URL": f"http://127.0.0.1:{port}"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # building the app (OpenAPI) is slow on a loaded shared machine
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"the API on {port} did not start: {log.read_text(errors='replace')}")


def test_two_processes_query_each_stuck_intent_once_per_interval_even_after_a_kill_9(
    postgres_only_url: str, tmp_path: Path
) -> None:
    loop = ServerLoop()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    simulator_app = create_simulator_app(SimulatorSettings(callback_delay_ms=600_000))
    simulator = _Served(loop, simulator_app, sock)
    simulator.wait_started()
    env = {
        **os.environ,
        "MICROPAY_DATABASE_URL": postgres_only_url,
        "MICROPAY_VAULT_KEY": new_vault_key(),
        "MICROPAY_DARAJA_SANDBOX_URL": simulator.url,
        "MICROPAY_SANDBOX_CONSUMER_KEY": "lease-test-consumer-key",
        "MICROPAY_SANDBOX_CONSUMER_SECRET": "lease-test-consumer-secret",
        "MICROPAY_SANDBOX_PASSKEY": SANDBOX_PASSKEY,
        "MICROPAY_RECONCILE_INTERVAL": "0.25",
        "MICROPAY_RECONCILE_AFTER": str(RECONCILE_AFTER),
        "MICROPAY_LOG_LEVEL": "WARNING",
        "MICROPAY_JWT_SECRET": secrets.token_urlsafe(48),  # required on Postgres since the sessions landed
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        created = subprocess.run(
            [PYTHON, "-m", "micropay.entrypoints.cli", "merchants", "create", "--name", "Lease Shop"],
            env=env,
            capture_output=True,
            check=True,
            timeout=60,
        )
        secret = json.loads(created.stdout)["keys"]["sandbox"]["secret"]
        ports = [_free_port(), _free_port()]
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        processes = [_serve(env, port, log) for port, log in zip(ports, logs, strict=True)]
        for port, process, log in zip(ports, processes, logs, strict=True):
            _wait_ready(port, process, log)

        with httpx.Client(base_url=f"http://127.0.0.1:{ports[0]}", timeout=15) as api:
            for _ in range(INTENTS):
                answer = api.post(
                    "/v1/payment_intents",
                    headers={"Authorization": f"Bearer {secret}"},
                    json={"amount": 1500, "currency": "kes", "phone_number": "254708374149", "confirm": True},
                )
                assert answer.status_code == 201, answer.text
                assert answer.json()["status"] == "processing"

        time.sleep(3 * RECONCILE_AFTER + 1)  # both loops at work
        processes[0].send_signal(signal.SIGKILL)  # mid-pass or between passes: its leases must age out
        processes[0].wait(timeout=10)
        killed_at = time.monotonic()
        time.sleep(2 * RECONCILE_AFTER + 1)  # the survivor alone
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        simulator.stop()
        loop.close()

    transactions = list(simulator_state(simulator_app).transactions.values())
    assert len(transactions) == INTENTS
    for txn in transactions:
        times = txn.queried_at
        assert len(times) >= 3, (txn.checkout_request_id, times)  # asked pass after pass
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps) >= RECONCILE_AFTER - 1, (txn.checkout_request_id, gaps)  # never twice in an interval
        assert any(at > killed_at for at in times), txn.checkout_request_id  # the survivor took over
