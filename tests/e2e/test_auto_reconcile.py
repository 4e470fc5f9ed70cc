"""The automatic reconciliation: a stack whose background loop runs every 0.2 s settles a missed webhook.

It runs on a database of its own (a fresh Postgres database, a fresh SQLite file): a loop that asks about
every processing intent must not touch the shared stack's payments. The shared stack keeps the loop off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dishka import Provider, Scope, make_async_container, provide

from micropay.domain.use_cases.prune_idempotency import PruneIdempotencyRecords
from micropay.domain.use_cases.reconcile_stuck import ReconcileReport, ReconcileStuckPayments
from micropay.entrypoints.reconciler import MaintenanceLoop
from micropay.ports.errors import StorageUnavailable
from tests import pg
from tests.e2e.client import Api, Merchant, check_response, of_kind
from tests.e2e.harness import Stack, running_stack

MISSED_WEBHOOK = "254711000099"  # no callback ever; the STK query says success


@pytest.fixture(params=["sqlite", "postgres"])
def auto_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    if request.param == "postgres":
        request.getfixturevalue("postgres_url")  # skipped locally / failed under CI when unreachable
        with pg.postgres_database() as url, running_stack(url, "postgres", **_LOOP_ON) as stack:
            yield stack
    else:
        url = pg.migrated_sqlite_file(tmp_path / "micropay.db")
        with running_stack(url, "sqlite", **_LOOP_ON) as stack:
            yield stack


_LOOP_ON: dict[str, Any] = {"reconcile_interval": 0.2, "reconcile_after": 0}


@pytest.fixture
async def auto_api(auto_stack: Stack) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(
        base_url=auto_stack.api_url, timeout=httpx.Timeout(15.0), event_hooks={"response": [check_response]}
    ) as client:
        yield Api(client)


def test_the_shared_stack_keeps_the_loop_off(stack: Stack) -> None:
    assert stack.settings.reconcile_interval == 0


async def test_a_missed_webhook_is_settled_without_anyone_calling_reconcile(auto_stack: Stack, auto_api: Api) -> None:
    merchant = Merchant.of(await auto_stack.create_merchant())
    intent = await auto_api.create_ok(merchant.sk_test, amount=1500, phone_number=MISSED_WEBHOOK)
    confirmed = await auto_api.confirm(merchant.sk_test, intent["id"])
    assert confirmed.status_code == 200, confirmed.text

    settled = await auto_api.wait_for_status(merchant.sk_test, intent["id"])

    assert settled["status"] == "succeeded"
    rows = await auto_api.attempts(merchant.sk_test, intent["id"])
    assert of_kind(rows, "callback") == []
    assert of_kind(rows, "stk_query")[-1]["outcome"] == "applied"
    assert auto_stack.simulator_state.counters.callbacks_sent == 0


class _Flaky:
    """A pass that fails (storage, then a bug) before it works; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.done = asyncio.Event()

    async def __call__(self, *, older_than: int = 60, limit: int = 100) -> ReconcileReport:
        self.calls += 1
        if self.calls == 1:
            raise StorageUnavailable("The database is unavailable.")
        if self.calls == 2:
            raise RuntimeError("a bug")
        self.done.set()
        return ReconcileReport(checked=1, settled=1)


class _NothingToPrune:
    async def __call__(self, *, batch_size: int = 1000, max_batches: int = 10) -> int:
        return 0


class _FlakyProvider(Provider):
    scope = Scope.REQUEST

    def __init__(self, flaky: _Flaky) -> None:
        super().__init__()
        self._flaky = flaky

    @provide
    def reconcile_stuck(self) -> ReconcileStuckPayments:
        return self._flaky  # type: ignore[return-value]

    @provide
    def prune(self) -> PruneIdempotencyRecords:
        return _NothingToPrune()  # type: ignore[return-value]


async def test_a_failing_pass_is_logged_and_the_loop_goes_on_until_stopped(caplog: pytest.LogCaptureFixture) -> None:
    flaky = _Flaky()
    container = make_async_container(_FlakyProvider(flaky))
    loop = MaintenanceLoop(container, interval=0.01, older_than=0)
    try:
        with caplog.at_level(logging.INFO, logger="micropay.entrypoints.reconciler"):
            await loop.start()
            await asyncio.wait_for(flaky.done.wait(), timeout=10)
            assert loop.running
            await loop.stop()
    finally:
        await container.close()

    assert not loop.running
    messages = [record.getMessage() for record in caplog.records]
    assert "automatic reconcile pass failed: storage_unavailable" in messages
    assert "automatic reconcile pass failed unexpectedly" in messages
    assert any(message.startswith("automatic reconcile: checked=1 settled=1") for message in messages)


async def test_an_interval_of_zero_starts_nothing() -> None:
    container = make_async_container(_FlakyProvider(_Flaky()))
    loop = MaintenanceLoop(container, interval=0, older_than=0)
    await loop.start()
    assert not loop.running
    await loop.stop()
    await container.close()
