"""The fake ``IdempotencyBindings``: like the SQL adapter, only the key's in-flight claim may bind it."""

from __future__ import annotations

from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.idempotency import IdempotencyBinding, IdempotencyClaim
from micropay.ports.idempotency_bindings import IdempotencyBindings, IdempotencyClaimLost
from tests.fakes.database import InMemoryDatabase
from tests.fakes.session import Session


class FakeIdempotencyBindings:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def bound(self, claim: IdempotencyClaim) -> IdempotencyBinding | None:
        self._s.check()
        for (key, _), binding in self._s.staging.idempotency_bindings.items():
            if key == claim.key:
                return binding
        return self._s.db.idempotency_bindings.get((self._s.tenant, claim.key))

    async def bind(self, claim: IdempotencyClaim, binding: IdempotencyBinding) -> None:
        self._s.check()
        record = self._s.db.idempotency.get((self._s.tenant, claim.key))
        if record is None or record.response is not None or record.created_at != claim.claimed_at:
            raise IdempotencyClaimLost("A newer request with this Idempotency-Key holds it now.")
        self._s.staging.idempotency_bindings[(claim.key, claim.claimed_at)] = binding


_: IdempotencyBindings = FakeIdempotencyBindings(
    Session(InMemoryDatabase(), Tenant(merchant_id="acct_x", environment=Environment.SANDBOX))
)
