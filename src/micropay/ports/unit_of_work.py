from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Protocol, Self

from micropay.domain.model.environment import Tenant
from micropay.ports.api_key_repository import ApiKeyRepository
from micropay.ports.attempt_repository import AttemptRepository
from micropay.ports.credential_repository import CredentialRepository
from micropay.ports.event_repository import EventRepository
from micropay.ports.idempotency_bindings import IdempotencyBindings
from micropay.ports.intent_repository import IntentRepository
from micropay.ports.merchant_repository import MerchantRepository
from micropay.ports.webhook_delivery_repository import WebhookDeliveryRepository
from micropay.ports.webhook_endpoint_repository import WebhookEndpointRepository


class UnitOfWork(Protocol):
    """One database transaction for one tenant (merchant + environment).

    Everything read or written through its repositories is the tenant's only; on Postgres the database
    itself enforces this (row-level security with the tenant set for the transaction). Leaving the
    ``async with`` block without ``commit()`` rolls back. Raises ``StorageUnavailable`` when the
    database fails, and ``ConcurrentUpdate`` from ``IntentRepository.save`` on a lost race.

    An intent's change and its events are written through the same unit of work (``events``), so they
    commit together or not at all.
    """

    tenant: Tenant
    intents: IntentRepository
    attempts: AttemptRepository
    events: EventRepository
    idempotency: IdempotencyBindings
    credentials: CredentialRepository
    api_keys: ApiKeyRepository
    merchants: MerchantRepository
    # outbound webhooks: deliveries are scheduled in the transaction that writes their event
    webhook_endpoints: WebhookEndpointRepository
    webhook_deliveries: WebhookDeliveryRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """``async with uow.savepoint():`` a part of the transaction that an exception undoes alone.

        What was written before it stays in the transaction (and commits with ``commit()``); what was
        written inside it is rolled back if the block raises (the exception then propagates).
        """
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, tenant: Tenant) -> UnitOfWork:
        """A new, not yet started unit of work scoped to ``tenant``."""
        ...
