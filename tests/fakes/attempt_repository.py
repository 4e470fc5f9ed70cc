"""The fake ``AttemptRepository`` (the provider log)."""

from __future__ import annotations

import msgspec

from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.provider import AttemptOutcome
from tests.fakes.database import SchemaViolation
from tests.fakes.session import Session


def _order(attempt: ProviderAttempt) -> tuple[int, str]:
    return attempt.created, attempt.id


class FakeAttemptRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _visible(self) -> dict[str, ProviderAttempt]:
        rows = {a.id: a for a in self._s.db.attempts.values() if self._s.owns(a.merchant_id, a.environment)}
        rows.update(self._s.staging.attempts)
        return rows

    async def add(self, attempt: ProviderAttempt) -> None:
        self._s.check()
        self._s.require_own(attempt.merchant_id, attempt.environment, "attempt")
        if attempt.id in self._s.staging.attempts or attempt.id in self._s.db.attempts:
            raise SchemaViolation(f"duplicate attempt id {attempt.id}")
        self._s.staging.attempts[attempt.id] = attempt
        self._s.staging.new_attempts.add(attempt.id)

    async def update(self, attempt: ProviderAttempt) -> None:
        self._s.check()
        existing = self._visible().get(attempt.id)
        if existing is None:
            raise SchemaViolation(f"no attempt {attempt.id} to update for this tenant")
        self._s.staging.attempts[attempt.id] = msgspec.structs.replace(
            existing,
            outcome=attempt.outcome,
            request=attempt.request,
            response=attempt.response,
            http_status=attempt.http_status,
            checkout_request_id=attempt.checkout_request_id or existing.checkout_request_id,
            updated=attempt.updated,
        )

    async def fill_outcome(self, attempt_id: str, outcome: AttemptOutcome, at: int) -> None:
        self._s.check()
        existing = self._visible().get(attempt_id)
        if existing is not None and existing.outcome is None:
            self._s.staging.attempts[attempt_id] = msgspec.structs.replace(existing, outcome=outcome, updated=at)

    async def link_checkout_request(self, attempt_id: str, checkout_request_id: str, at: int) -> None:
        self._s.check()
        existing = self._visible().get(attempt_id)
        if existing is not None and existing.checkout_request_id is None:
            self._s.staging.attempts[attempt_id] = msgspec.structs.replace(
                existing, checkout_request_id=checkout_request_id, updated=at
            )

    async def get(self, attempt_id: str) -> ProviderAttempt | None:
        self._s.check()
        return self._visible().get(attempt_id)

    async def list_for_intent(
        self, intent_id: str, *, limit: int, starting_after: str | None = None
    ) -> tuple[list[ProviderAttempt], bool]:
        self._s.check()
        visible = self._visible()
        rows = sorted((a for a in visible.values() if a.intent_id == intent_id), key=_order)
        if starting_after is not None:
            cursor = visible.get(starting_after)
            if cursor is None:
                return [], False
            rows = [a for a in rows if _order(a) > _order(cursor)]
        return rows[:limit], len(rows) > limit
