"""The fake ``IdempotencyStore``: claims decided exactly as ``idempotency.decide`` would judge them."""

from __future__ import annotations

import msgspec

from micropay.domain.model.environment import Tenant
from micropay.domain.model.idempotency import Decision, IdempotencyRecord, StoredResponse, decide
from micropay.ports.idempotency_store import IdempotencyStore
from tests.fakes.database import InMemoryDatabase


class FakeIdempotencyStore:
    """Records live in ``db.idempotency`` keyed by ``(tenant, key)``; each call is its own "transaction".

    A claim is taken (None returned, a fresh in-flight record stored) exactly when ``decide`` says
    ``PROCEED`` for the existing record: none, expired, or in flight past its lease with the same
    fingerprint. Otherwise the existing record comes back unchanged.
    """

    def __init__(self, db: InMemoryDatabase) -> None:
        self.db = db

    async def claim(self, tenant: Tenant, key: str, fingerprint: str, now: float) -> IdempotencyRecord | None:
        self.db.check_up()
        existing = self.db.idempotency.get((tenant, key))
        if existing is not None and decide(existing, fingerprint, now) is not Decision.PROCEED:
            return existing
        self.db.idempotency[(tenant, key)] = IdempotencyRecord(key=key, fingerprint=fingerprint, created_at=now)
        return None

    async def complete(self, tenant: Tenant, key: str, response: StoredResponse) -> None:
        self.db.check_up()
        record = self.db.idempotency.get((tenant, key))
        if record is not None:
            self.db.idempotency[(tenant, key)] = msgspec.structs.replace(record, response=response)

    async def release(self, tenant: Tenant, key: str) -> None:
        self.db.check_up()
        record = self.db.idempotency.get((tenant, key))
        if record is not None and record.response is None:
            del self.db.idempotency[(tenant, key)]


_: IdempotencyStore = FakeIdempotencyStore(InMemoryDatabase())
