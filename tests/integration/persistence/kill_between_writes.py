"""A child process for ``test_event_atomicity``: runs a real use case and dies (SIGKILL) between the
intent write and the event write, so the parent can check what the database kept.

    python -m tests.integration.persistence.kill_between_writes URL MERCHANT_ID create|cancel [INTENT_ID]
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from micropay.adapters.persistence import create_engine
from micropay.adapters.persistence.unit_of_work import SqlaUnitOfWork, SqlaUnitOfWorkFactory
from micropay.adapters.system import SecureIdGenerator, SystemClock
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.events import Event
from micropay.domain.use_cases.cancel_intent import CancelPaymentIntent
from micropay.domain.use_cases.create_intent import CreateIntentCommand, CreatePaymentIntent
from tests.fakes import FakeVault


class _DiesBeforeTheEvent(SqlaUnitOfWork):
    async def __aenter__(self) -> _DiesBeforeTheEvent:
        await super().__aenter__()

        async def add(event: Event) -> None:
            print(f"intent written, dying before {event.type.value}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        self.events.add = add  # type: ignore[method-assign]
        return self


class _Factory(SqlaUnitOfWorkFactory):
    def __call__(self, tenant: Tenant) -> SqlaUnitOfWork:
        return _DiesBeforeTheEvent(self._engine, tenant)


async def main(url: str, merchant_id: str, action: str, intent_id: str | None) -> None:
    engine = create_engine(url)
    tenant = Tenant(merchant_id=merchant_id, environment=Environment.SANDBOX)
    factory = _Factory(engine)
    if action == "create":
        create = CreatePaymentIntent(factory, SystemClock(), SecureIdGenerator(), FakeVault())
        await create(tenant, CreateIntentCommand(amount=10_000, currency="kes", account_reference="KILLED"))
    else:
        cancel = CancelPaymentIntent(factory, SystemClock(), SecureIdGenerator())
        await cancel(tenant, intent_id or "")
    print("not killed", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None))
