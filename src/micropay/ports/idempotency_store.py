from __future__ import annotations

from typing import Protocol

from micropay.domain.model.environment import Tenant
from micropay.domain.model.idempotency import IdempotencyRecord, StoredResponse


class IdempotencyStore(Protocol):
    """Idempotency records, per tenant and key, decided by the database (safe across processes).

    Each call is its own short transaction, separate from the request's unit of work, so that an
    in-flight claim is visible to every other request at once. Raises ``StorageUnavailable``.

    A claim is identified by its ``created_at`` (the ``now`` given to ``claim``): that is the holder's owner
    token. A request whose claim outlived its lease and was taken over by another request no longer holds
    the key, so its ``complete`` and ``release`` (which carry ``claimed_at``) change nothing.
    """

    async def claim(self, tenant: Tenant, key: str, fingerprint: str, now: float) -> IdempotencyRecord | None:
        """Atomically claim the key for a new request.

        Returns None when the claim was taken (a fresh in-flight record, ``created_at == now``, now exists for
        this request). Otherwise returns the existing record, unchanged, for ``domain.model.idempotency.decide``
        to judge; an expired record, or an in-flight one past its lease, is replaced by the new claim (None
        returned).
        """
        ...

    async def complete(self, tenant: Tenant, key: str, response: StoredResponse, *, claimed_at: float) -> None:
        """Store the response of the request that holds the claim made at ``claimed_at``.

        Compare-and-swap: writes only if the stored record is still that in-flight claim (same ``created_at``,
        no response yet); otherwise (taken over, released, completed) it changes nothing.
        """
        ...

    async def release(self, tenant: Tenant, key: str, *, claimed_at: float) -> None:
        """Drop the in-flight claim made at ``claimed_at`` (the request failed in a way that must not be replayed).

        Compare-and-swap, like ``complete``: another holder's claim and a completed record are left alone.
        """
        ...

    async def prune(self, *, created_before: float, limit: int) -> int:
        """Delete at most ``limit`` records created strictly before ``created_before``, of every tenant.

        Oldest first; returns how many were deleted. Newer records are never touched. The retention rule (what
        cutoff to pass) is the domain's: see ``PruneIdempotencyRecords``.
        """
        ...
