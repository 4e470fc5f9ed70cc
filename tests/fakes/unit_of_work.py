"""The fake ``UnitOfWork``: tenant-scoped repositories over ``InMemoryDatabase``, writes applied on commit."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from micropay.domain.model.environment import Environment, Tenant
from micropay.ports.api_key_repository import ApiKeyRepository
from micropay.ports.attempt_repository import AttemptRepository
from micropay.ports.credential_repository import CredentialRepository
from micropay.ports.event_repository import EventRepository
from micropay.ports.idempotency_bindings import IdempotencyBindings
from micropay.ports.intent_repository import IntentRepository
from micropay.ports.merchant_repository import MerchantRepository
from micropay.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from micropay.ports.webhook_delivery_repository import WebhookDeliveryRepository
from micropay.ports.webhook_endpoint_repository import WebhookEndpointRepository
from tests.fakes.api_key_repository import FakeApiKeyRepository
from tests.fakes.attempt_repository import FakeAttemptRepository
from tests.fakes.credential_repository import FakeCredentialRepository
from tests.fakes.database import InMemoryDatabase
from tests.fakes.event_repository import FakeEventRepository
from tests.fakes.idempotency_bindings import FakeIdempotencyBindings
from tests.fakes.intent_repository import FakeIntentRepository
from tests.fakes.merchant_repository import FakeMerchantRepository
from tests.fakes.session import Session
from tests.fakes.webhook_repositories import (
    FakeWebhookDeliveryRepository,
    FakeWebhookEndpointRepository,
    FakeWebhookStore,
)


class FakeUnitOfWork:
    """Reads see committed rows plus this transaction's own writes; leaving without ``commit()`` drops them.

    ``commit()`` raises ``ConcurrentUpdate`` when another unit of work committed a newer version of an intent
    this one saved. Repositories used outside the ``async with`` block raise ``SchemaViolation``.
    """

    def __init__(self, db: InMemoryDatabase, tenant: Tenant) -> None:
        self.tenant = tenant
        self._session = Session(db, tenant)
        # typed as the ports: Protocol attributes are invariant
        self.intents: IntentRepository = FakeIntentRepository(self._session)
        self.attempts: AttemptRepository = FakeAttemptRepository(self._session)
        self.events: EventRepository = FakeEventRepository(self._session)
        self.idempotency: IdempotencyBindings = FakeIdempotencyBindings(self._session)
        self.credentials: CredentialRepository = FakeCredentialRepository(self._session)
        self.api_keys: ApiKeyRepository = FakeApiKeyRepository(self._session)
        self.merchants: MerchantRepository = FakeMerchantRepository(self._session)
        self._webhooks = FakeWebhookStore(db, tenant)
        self.webhook_endpoints: WebhookEndpointRepository = FakeWebhookEndpointRepository(self._webhooks)
        self.webhook_deliveries: WebhookDeliveryRepository = FakeWebhookDeliveryRepository(self._webhooks)
        self.committed = False

    async def __aenter__(self) -> Self:
        self._session.begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._session.end()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """What the block staged is dropped if it raises; what was staged before it stays."""
        self._session.check()
        staging = copy.deepcopy(self._session.staging)
        endpoints, deliveries = copy.deepcopy(self._webhooks.endpoints), copy.deepcopy(self._webhooks.deliveries)
        try:
            yield
        except BaseException:
            self._session.staging = staging
            self._webhooks.endpoints, self._webhooks.deliveries = endpoints, deliveries
            raise

    async def commit(self) -> None:
        self._session.commit()
        self._webhooks.apply()
        self.committed = True


class FakeUnitOfWorkFactory:
    """``factory(tenant)`` like the real one; ``created`` keeps every unit of work handed out."""

    def __init__(self, db: InMemoryDatabase | None = None) -> None:
        self.db = db if db is not None else InMemoryDatabase()
        self.created: list[FakeUnitOfWork] = []

    def __call__(self, tenant: Tenant) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.db, tenant)
        self.created.append(uow)
        return uow


_: UnitOfWorkFactory = FakeUnitOfWorkFactory()
__: UnitOfWork = FakeUnitOfWork(InMemoryDatabase(), Tenant(merchant_id="acct_x", environment=Environment.SANDBOX))
