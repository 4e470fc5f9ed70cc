from __future__ import annotations

from typing import Protocol

from micropay.domain.model.environment import Tenant
from micropay.ports.delivery_recovery import DeliveryRecovery
from micropay.ports.unit_of_work import UnitOfWork
from micropay.ports.webhook_delivery_repository import WebhookDeliveryRepository
from micropay.ports.webhook_endpoint_repository import WebhookEndpointRepository


class WebhookUnitOfWork(UnitOfWork, Protocol):
    """The tenant's unit of work, with its webhook endpoints and deliveries in the same transaction."""

    webhook_endpoints: WebhookEndpointRepository
    webhook_deliveries: WebhookDeliveryRepository
    delivery_recovery: DeliveryRecovery


class WebhookUnitOfWorkFactory(Protocol):
    def __call__(self, tenant: Tenant) -> WebhookUnitOfWork:
        """A new, not yet started unit of work scoped to ``tenant``."""
        ...
