from __future__ import annotations

from typing import Protocol

from micropay.domain.model.environment import Tenant
from micropay.domain.model.idempotency import IdempotencyRecord, StoredResponse


class IdempotencyStore(Protocol):
    """Idempotency records, per tenant and key, decided by the database (safe across processes).

    Each call is its own short transaction, separate from the request's unit of work, so that an
    in-flight claim is visible to every other request at once. Raises ``StorageUnavailable``.
    """

    async def claim(self, tenant: Tenant, key: str, fingerprint: str, now: float) -> IdempotencyRecord | None:
        """Atomically claim the key for a new request.

        Returns None when the claim was taken (a fresh in-flight record now exists for this request).
        Otherwise returns the existing record, unchanged, for ``domain.model.idempotency.decide`` to judge;
        an expired record, or an in-flight one past its lease, is replaced by the new claim (None returned).
        """
        ...

    async def complete(self, tenant: Tenant, key: str, response: StoredResponse) -> None:
        """Store the response of the request that holds the claim."""
        ...

    async def release(self, tenant: Tenant, key: str) -> None:
        """Drop an in-flight claim (the request failed in a way that must not be replayed)."""
        ...
