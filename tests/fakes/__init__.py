"""Hand-written in-memory fakes of every port, for unit tests of the domain and the use cases.

Typical wiring::

    db = InMemoryDatabase()
    clock = FakeClock()
    ids = SequentialIdGenerator(clock)
    uow_factory = FakeUnitOfWorkFactory(db)
    directory = FakeTenantDirectory(db)
    idempotency = FakeIdempotencyStore(db)
    gateway = FakeDarajaGateway()

Assert on state: ``db.intents``, ``db.attempts``, ``gateway.pushes``, ``tokens.issued``...
"""

from tests.fakes.callback_parser import FakeCallbackParser
from tests.fakes.callback_tokens import CALLBACK_BASE_URL, FakeCallbackTokens
from tests.fakes.clock import DEFAULT_START, FakeClock
from tests.fakes.daraja_gateway import (
    Accept,
    FakeDarajaGateway,
    PushScript,
    QueryScript,
    RecordedPush,
    RecordedQuery,
    final,
    pending,
    rejected,
)
from tests.fakes.database import InMemoryDatabase, SchemaViolation, UnroutableCallback
from tests.fakes.event_repository import FakeEventPruner
from tests.fakes.idempotency_store import FakeIdempotencyStore
from tests.fakes.ids import SequentialIdGenerator
from tests.fakes.tenant_directory import FakeTenantDirectory
from tests.fakes.unit_of_work import FakeUnitOfWork, FakeUnitOfWorkFactory
from tests.fakes.vault import FakeVault

__all__ = [
    "CALLBACK_BASE_URL",
    "DEFAULT_START",
    "Accept",
    "FakeCallbackParser",
    "FakeCallbackTokens",
    "FakeClock",
    "FakeDarajaGateway",
    "FakeEventPruner",
    "FakeIdempotencyStore",
    "FakeTenantDirectory",
    "FakeUnitOfWork",
    "FakeUnitOfWorkFactory",
    "FakeVault",
    "InMemoryDatabase",
    "PushScript",
    "QueryScript",
    "RecordedPush",
    "RecordedQuery",
    "SchemaViolation",
    "SequentialIdGenerator",
    "UnroutableCallback",
    "final",
    "pending",
    "rejected",
]
