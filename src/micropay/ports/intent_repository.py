from __future__ import annotations

from typing import Protocol

import msgspec

from micropay.domain.model.intent import IntentStatus, PaymentIntent


class IntentPageQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Newest first. ``starting_after``/``ending_before`` are intent ids (cursors); at most one is set."""

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    status: IntentStatus | None = None


class IntentPage(msgspec.Struct, frozen=True, kw_only=True):
    data: list[PaymentIntent]
    has_more: bool


class IntentRepository(Protocol):
    """Payment intents of the unit of work's tenant only (other tenants' rows are invisible).

    Raises ``StorageUnavailable`` when the database fails.
    """

    async def get(self, intent_id: str) -> PaymentIntent | None:
        """The intent, or None when it does not exist for this tenant."""
        ...

    async def add(self, intent: PaymentIntent) -> None:
        """Insert a new intent (version 1)."""
        ...

    async def save(self, intent: PaymentIntent) -> None:
        """Write a transitioned intent, only if the stored row still has ``intent.version - 1``.

        Raises ``ConcurrentUpdate`` otherwise (someone else transitioned it first).
        """
        ...

    async def mark_reconciled(self, intent_id: str, at: int) -> None:
        """Remember that Daraja was asked about this intent at ``at`` (Unix seconds); a no-op if it is unknown.

        Bookkeeping for the automatic reconciliation's queue (``TenantDirectory.stuck_intents``), not a
        transition: ``version`` and ``updated`` stay as they are, so it never conflicts with ``save``. A
        ``save`` forgets the mark (the new ``updated`` is the newer fact).
        """
        ...

    async def claim_reconcile(self, intent_id: str, *, active_before: int, at: int) -> bool:
        """Take this intent's reconciliation lease: a compare-and-swap on ``reconciled_at``.

        Sets ``reconciled_at`` to ``at`` only if the intent is ``processing`` and its last activity
        (``reconciled_at``, else ``updated``) is still <= ``active_before``; True if this caller took it. Of
        several processes listing the same stuck intent, exactly one wins until ``at`` itself is older than
        the next cutoff, so each stuck intent is queried at most once per ``older_than``. Bookkeeping like
        ``mark_reconciled``: no version, no ``updated``; a lease whose holder died simply ages out.
        """
        ...

    async def list_page(self, query: IntentPageQuery) -> IntentPage:
        """A page newest first, ordered by (created, id) so that it is stable under concurrent inserts."""
        ...
