"""The fake ``IdempotencyStore``: claims decided exactly as ``idempotency.decide`` would judge them."""

from __future__ import annotations

import msgspec

from micropay.domain.model.environment import Tenant
from micropay.domain.model.idempotency import Decision, IdempotencyRecord, StoredResponse, decide, keeps_binding
from micropay.ports.idempotency_store import IdempotencyStore
from tests.fakes.database import InMemoryDatabase


class FakeIdempotencyStore:
    """Records live in ``db.idempotency`` keyed by ``(tenant, key)``; each call is its own "transaction".

    A claim is taken (None returned, a fresh in-flight record stored) exactly when ``decide`` says
    ``PROCEED`` for the existing record: none, expired, or in flight past its lease with the same
    fingerprint. Otherwise the existing record comes back unchanged. ``complete`` and ``release`` change
    only the in-flight record whose ``created_at`` is their ``claimed_at`` (the holder's token); ``prune``
    deletes, oldest first, records created strictly before the cutoff, across tenants. A binding
    (``db.idempotency_bindings``) survives a takeover past the lease and goes with its record otherwise.
    """

    def __init__(self, db: InMemoryDatabase) -> None:
        self.db = db

    async def claim(self, tenant: Tenant, key: str, fingerprint: str, now: float) -> IdempotencyRecord | None:
        self.db.check_up()
        existing = self.db.idempotency.get((tenant, key))
        if existing is not None and decide(existing, fingerprint, now) is not Decision.PROCEED:
            return existing
        if existing is not None and not keeps_binding(existing, now):
            self.db.idempotency_bindings.pop((tenant, key), None)
        self.db.idempotency[(tenant, key)] = IdempotencyRecord(key=key, fingerprint=fingerprint, created_at=now)
        return None

    async def complete(self, tenant: Tenant, key: str, response: StoredResponse, *, claimed_at: float) -> None:
        self.db.check_up()
        record = self.db.idempotency.get((tenant, key))
        if record is not None and _held(record, claimed_at):
            self.db.idempotency[(tenant, key)] = msgspec.structs.replace(record, response=response)

    async def release(self, tenant: Tenant, key: str, *, claimed_at: float) -> None:
        self.db.check_up()
        record = self.db.idempotency.get((tenant, key))
        if record is not None and _held(record, claimed_at):
            del self.db.idempotency[(tenant, key)]
            self.db.idempotency_bindings.pop((tenant, key), None)

    async def prune(self, *, created_before: float, limit: int) -> int:
        self.db.check_up()
        expired = sorted(
            (item for item in self.db.idempotency.items() if item[1].created_at < created_before),
            key=lambda item: item[1].created_at,
        )
        for where, _record in expired[: max(limit, 0)]:
            del self.db.idempotency[where]
            self.db.idempotency_bindings.pop(where, None)
        return min(len(expired), max(limit, 0))


def _held(record: IdempotencyRecord, claimed_at: float) -> bool:
    """Whether ``record`` is still the in-flight claim made at ``claimed_at``."""
    return record.response is None and record.created_at == claimed_at


_: IdempotencyStore = FakeIdempotencyStore(InMemoryDatabase())
