from __future__ import annotations

from typing import Protocol

from micropay.domain.model.environment import Tenant
from micropay.ports.delivery_recovery import DeliveryRecovery
from micropay.ports.unit_of_work import UnitOfWork


class WebhookUnitOfWork(UnitOfWork, Protocol):
    """The tenant's unit of work (with its webhook endpoints and deliveries), plus delivery recovery."""

    delivery_recovery: DeliveryRecovery


class WebhookUnitOfWorkFactory(Protocol):
    def __call__(self, tenant: Tenant) -> WebhookUnitOfWork:
        """A new, not yet started unit of work scoped to ``tenant``."""
        ...
