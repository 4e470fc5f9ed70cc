"""The fake ``IntentRepository``: optimistic versions and cursor pages like the SQL adapter."""

from __future__ import annotations

from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.ports.errors import ConcurrentUpdate
from micropay.ports.intent_repository import IntentPage, IntentPageQuery
from tests.fakes.database import SchemaViolation
from tests.fakes.session import Session


def _order(intent: PaymentIntent) -> tuple[int, str]:
    return intent.created, intent.id


class FakeIntentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _visible(self) -> dict[str, PaymentIntent]:
        rows = {i.id: i for i in self._s.db.intents.values() if self._s.owns(i.merchant_id, i.environment)}
        rows.update(self._s.staging.intents)
        return rows

    async def get(self, intent_id: str) -> PaymentIntent | None:
        self._s.check()
        return self._visible().get(intent_id)

    async def add(self, intent: PaymentIntent) -> None:
        self._s.check()
        self._s.require_own(intent.merchant_id, intent.environment, "intent")
        if intent.id in self._s.staging.intents or intent.id in self._s.db.intents:
            raise SchemaViolation(f"duplicate intent id {intent.id}")
        self._s.staging.intents[intent.id] = intent
        self._s.staging.intent_bases[intent.id] = None

    async def save(self, intent: PaymentIntent) -> None:
        self._s.check()
        self._s.require_own(intent.merchant_id, intent.environment, "intent")
        current = self._visible().get(intent.id)
        if current is None or current.version != intent.version - 1:
            raise ConcurrentUpdate(f"PaymentIntent {intent.id} was changed by another transaction.")
        self._s.staging.intent_bases.setdefault(intent.id, current.version)
        self._s.staging.intents[intent.id] = intent
        self._s.staging.reconciled_at[intent.id] = None  # a transition is newer activity than any query

    async def mark_reconciled(self, intent_id: str, at: int) -> None:
        """Like the SQL adapter: bookkeeping only (no version check, no new version), a no-op when unknown."""
        self._s.check()
        if intent_id in self._visible():
            self._s.staging.reconciled_at[intent_id] = at

    async def claim_reconcile(self, intent_id: str, *, active_before: int, at: int) -> bool:
        """Like the SQL adapter: a compare-and-swap on the last activity, bookkeeping only."""
        self._s.check()
        intent = self._visible().get(intent_id)
        if intent is None or intent.status is not IntentStatus.PROCESSING:
            return False
        staged = self._s.staging.reconciled_at
        marked = staged[intent_id] if intent_id in staged else self._s.db.reconciled_at.get(intent_id)
        if (intent.updated if marked is None else marked) > active_before:
            return False
        staged[intent_id] = at
        return True

    async def list_page(self, query: IntentPageQuery) -> IntentPage:
        self._s.check()
        if query.starting_after is not None and query.ending_before is not None:
            raise ValueError("starting_after and ending_before are mutually exclusive")
        visible = self._visible()
        newest_first = sorted(
            (i for i in visible.values() if query.status is None or i.status == query.status),
            key=_order,
            reverse=True,
        )
        cursor_id = query.starting_after or query.ending_before
        if cursor_id is None:
            return IntentPage(data=newest_first[: query.limit], has_more=len(newest_first) > query.limit)
        cursor = visible.get(cursor_id)
        if cursor is None:  # like SQL comparing with a missing row: nothing matches
            return IntentPage(data=[], has_more=False)
        if query.starting_after is not None:
            older = [i for i in newest_first if _order(i) < _order(cursor)]
            return IntentPage(data=older[: query.limit], has_more=len(older) > query.limit)
        newer = [i for i in newest_first if _order(i) > _order(cursor)]
        page = newer[-query.limit :] if query.limit > 0 else []
        return IntentPage(data=page, has_more=len(newer) > len(page))
