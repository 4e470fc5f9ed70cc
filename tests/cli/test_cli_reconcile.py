"""``micropay reconcile``: one pass of the automatic reconciliation, for cron, printed as JSON."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import msgspec
import pytest

from micropay.domain.model import state_machine
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.ids import ATTEMPT_PREFIX, make_id
from micropay.domain.use_cases.create_intent import CreateIntentCommand, CreatePaymentIntent
from micropay.entrypoints.cli import main, request_scope
from micropay.entrypoints.settings import Settings
from micropay.ports.unit_of_work import UnitOfWorkFactory

LOST_ANSWER_EXPIRY = state_machine.UNANSWERED_ATTEMPT_TIMEOUT_SECONDS


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """A migrated embedded database with one merchant; returns the merchant id."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("MICROPAY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MICROPAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    assert main(["db", "upgrade"]) == 0
    assert main(["merchants", "create", "--name", "Duka"]) == 0
    merchant_id: str = json.loads(capsys.readouterr().out.split("database is up to date\n", 1)[1])["merchant_id"]
    return merchant_id


async def _lost_answer(merchant_id: str, *, seconds_ago: int) -> str:
    """A push whose answer never came (no CheckoutRequestID), claimed ``seconds_ago``: nothing to ask Daraja."""
    tenant = Tenant(merchant_id=merchant_id, environment=Environment.SANDBOX)
    async with request_scope(Settings.from_env()) as scope:
        create = await scope.get(CreatePaymentIntent)
        uow_factory = await scope.get(UnitOfWorkFactory)
        created = await create(tenant, CreateIntentCommand(amount=150_000, currency="kes", phone_number="254708374149"))
        attempt_id = make_id(ATTEMPT_PREFIX, millis=time.time_ns() // 1_000_000, entropy=seconds_ago)
        started, _ = state_machine.start_attempt(created.intent, attempt_id=attempt_id, phone=None, now=0)
        started = msgspec.structs.replace(started, updated=int(time.time()) - seconds_ago)
        async with uow_factory(tenant) as uow:
            await uow.intents.save(started)
            await uow.commit()
    return created.intent.id


async def _status(merchant_id: str, intent_id: str) -> str:
    tenant = Tenant(merchant_id=merchant_id, environment=Environment.SANDBOX)
    async with request_scope(Settings.from_env()) as scope:
        uow_factory = await scope.get(UnitOfWorkFactory)
        async with uow_factory(tenant) as uow:
            intent = await uow.intents.get(intent_id)
    assert intent is not None
    return intent.status.value


def test_reconcile_runs_one_pass_and_prints_the_report(scratch: str, capsys: pytest.CaptureFixture[str]) -> None:
    old = asyncio.run(_lost_answer(scratch, seconds_ago=LOST_ANSWER_EXPIRY + 60))
    young = asyncio.run(_lost_answer(scratch, seconds_ago=10))

    assert main(["reconcile", "--older-than", "60"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "checked": 1,
        "settled": 1,
        "still_processing": 0,
        "failed_calls": 0,
        "skipped": 0,
        "leased_elsewhere": 0,
    }
    assert asyncio.run(_status(scratch, old)) == "failed"  # expired: its answer was lost too long ago
    assert asyncio.run(_status(scratch, young)) == "processing"

    assert main(["reconcile", "--older-than", "0", "--limit", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["checked"], report["still_processing"]) == (1, 1)  # too young to expire: left alone
    assert asyncio.run(_status(scratch, young)) == "processing"


def test_reconcile_refuses_a_negative_limit(scratch: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["reconcile", "--limit", "-1"])
    assert exited.value.code == 2
    assert "--limit" in capsys.readouterr().err
