from __future__ import annotations

from typing import Protocol

from micropay.domain.errors import MicropayError
from micropay.domain.model.idempotency import IdempotencyBinding, IdempotencyClaim


class IdempotencyClaimLost(MicropayError):
    """The key's in-flight claim is no longer this request's (it outlived its lease and was taken over)."""

    code = "idempotency_key_in_use"


class IdempotencyBindings(Protocol):
    """The unit of work's view of its tenant's idempotency records: what a key's request already did.

    Part of the unit of work so that a binding commits (or rolls back) with the first object the request
    creates or the push it starts. Raises ``StorageUnavailable``.
    """

    async def bound(self, claim: IdempotencyClaim) -> IdempotencyBinding | None:
        """What an earlier holder of the key bound (kept across a takeover after the lease), or None."""
        ...

    async def bind(self, claim: IdempotencyClaim, binding: IdempotencyBinding) -> None:
        """Bind the key to ``binding``, in this transaction, while ``claim`` still holds it in flight.

        Raises ``IdempotencyClaimLost`` when the record is no longer that claim (the use case must then
        roll back: another request holds the key).
        """
        ...
