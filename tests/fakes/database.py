"""The committed rows of every tenant, shared by the fake unit of work, tenant directory and idempotency store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from micropay.domain.model.api_keys import ApiKey
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import Event
from micropay.domain.model.idempotency import IdempotencyBinding, IdempotencyRecord
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.merchant import Merchant
from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.errors import StorageUnavailable


class SchemaViolation(AssertionError):
    """A write the real schema or row-level security would refuse (duplicate id, another tenant's row).

    It signals a bug in the code under test, so it is not a ``MicropayError``.
    """


@dataclass(frozen=True)
class UnroutableCallback:
    token_hint: str
    body: Any
    received_at: int


@dataclass
class InMemoryDatabase:
    """All tenants' committed rows. Tests read these tables directly to assert on the resulting state.

    Set ``down = True`` to make every storage call (unit of work, tenant directory, idempotency store)
    raise ``StorageUnavailable``, as when the database is unreachable.
    """

    intents: dict[str, PaymentIntent] = field(default_factory=dict)
    #: per intent id, when Daraja was last asked about it (``mark_reconciled``); cleared by a transition
    reconciled_at: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, ProviderAttempt] = field(default_factory=dict)
    #: every tenant's events in the order they committed (the SQL ``seq``), with their tenant
    events: list[tuple[Tenant, Event]] = field(default_factory=list)
    credentials: dict[Tenant, StoredCredentials] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    merchants: dict[str, Merchant] = field(default_factory=dict)
    idempotency: dict[tuple[Tenant, str], IdempotencyRecord] = field(default_factory=dict)
    #: what each key's request bound (the SQL ``object_id``/``sealed_secret`` columns of the same row)
    idempotency_bindings: dict[tuple[Tenant, str], IdempotencyBinding] = field(default_factory=dict)
    unroutable_callbacks: list[UnroutableCallback] = field(default_factory=list)
    #: webhook endpoints and deliveries by id, with their tenant (``tests/fakes/webhook_repositories.py``)
    webhook_endpoints: dict[str, tuple[Tenant, Any]] = field(default_factory=dict)
    webhook_deliveries: dict[str, tuple[Tenant, Any]] = field(default_factory=dict)
    down: bool = False
    commits: int = 0

    def check_up(self) -> None:
        if self.down:
            raise StorageUnavailable("The database is unavailable (fake switched off).")
