"""The state of one fake transaction: the tenant, the writes staged until commit, and the guards."""

from __future__ import annotations

from dataclasses import dataclass, field

from micropay.domain.model.api_keys import ApiKey
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.events import Event
from micropay.domain.model.idempotency import IdempotencyBinding
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.merchant import Merchant
from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.errors import ConcurrentUpdate
from tests.fakes.database import InMemoryDatabase, SchemaViolation


@dataclass
class Staging:
    """Rows written in the transaction, visible to it only, applied to the database on commit."""

    intents: dict[str, PaymentIntent] = field(default_factory=dict)
    #: per staged intent, the version the committed row must still have at commit (None: must not exist)
    intent_bases: dict[str, int | None] = field(default_factory=dict)
    #: per intent id, its new ``reconciled_at`` (None: cleared by a transition)
    reconciled_at: dict[str, int | None] = field(default_factory=dict)
    attempts: dict[str, ProviderAttempt] = field(default_factory=dict)
    new_attempts: set[str] = field(default_factory=set)
    events: list[Event] = field(default_factory=list)
    idempotency_bindings: dict[tuple[str, float], IdempotencyBinding] = field(default_factory=dict)
    credentials: dict[Tenant, StoredCredentials | None] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    new_api_keys: set[str] = field(default_factory=set)
    merchants: dict[str, Merchant] = field(default_factory=dict)


class Session:
    """Shared by the repositories of one unit of work."""

    def __init__(self, db: InMemoryDatabase, tenant: Tenant) -> None:
        self.db = db
        self.tenant = tenant
        self.staging = Staging()
        self.active = False

    def check(self) -> None:
        """Every repository call: the unit of work must be entered and the database up."""
        if not self.active:
            raise SchemaViolation("a repository was used outside its unit of work's `async with` block")
        self.db.check_up()

    def owns(self, merchant_id: str, environment: Environment) -> bool:
        return merchant_id == self.tenant.merchant_id and environment == self.tenant.environment

    def require_own(self, merchant_id: str, environment: Environment, what: str) -> None:
        if not self.owns(merchant_id, environment):
            raise SchemaViolation(f"row-level security refuses writing another tenant's {what}")

    def begin(self) -> None:
        self.db.check_up()
        self.staging = Staging()
        self.active = True

    def end(self) -> None:
        self.staging = Staging()
        self.active = False

    def commit(self) -> None:
        self.check()
        staged, db = self.staging, self.db
        for intent_id, base in staged.intent_bases.items():
            current = db.intents.get(intent_id)
            if base is None and current is not None:
                raise SchemaViolation(f"duplicate intent id {intent_id}")
            if base is not None and (current is None or current.version != base):
                raise ConcurrentUpdate(f"PaymentIntent {intent_id} was changed by another transaction.")
        for attempt_id in staged.new_attempts:
            if attempt_id in db.attempts:
                raise SchemaViolation(f"duplicate attempt id {attempt_id}")
        known_events = {event.id for _, event in db.events}
        for event in staged.events:
            if event.id in known_events:
                raise SchemaViolation(f"duplicate event id {event.id}")
        for key_id in staged.new_api_keys:
            if key_id in db.api_keys:
                raise SchemaViolation(f"duplicate api key id {key_id}")
        for key, claimed_at in staged.idempotency_bindings:
            record = db.idempotency.get((self.tenant, key))
            if record is None or record.response is not None or record.created_at != claimed_at:
                raise SchemaViolation(f"idempotency key {key!r} bound after its claim was lost")
        db.intents.update(staged.intents)
        for intent_id, at in staged.reconciled_at.items():
            if at is None:
                db.reconciled_at.pop(intent_id, None)
            else:
                db.reconciled_at[intent_id] = at
        db.attempts.update(staged.attempts)
        db.idempotency_bindings.update(
            ((self.tenant, key), binding) for (key, _), binding in staged.idempotency_bindings.items()
        )
        db.events.extend((self.tenant, event) for event in staged.events)
        db.api_keys.update(staged.api_keys)
        db.merchants.update(staged.merchants)
        for tenant, stored in staged.credentials.items():
            if stored is None:
                db.credentials.pop(tenant, None)
            else:
                db.credentials[tenant] = stored
        db.commits += 1
        self.staging = Staging()
