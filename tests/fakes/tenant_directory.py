"""The fake ``TenantDirectory``: cross-tenant lookups by hash over the committed rows."""

from __future__ import annotations

from typing import Any

from micropay.adapters.persistence.unroutable import keepable
from micropay.domain.model.api_keys import ApiKey
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.domain.model.provider import AttemptKind
from micropay.ports.tenant_directory import CallbackRoute, StuckIntent, TenantDirectory
from tests.fakes.database import InMemoryDatabase, UnroutableCallback


class FakeTenantDirectory:
    def __init__(self, db: InMemoryDatabase) -> None:
        self.db = db

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        self.db.check_up()
        return next((k for k in self.db.api_keys.values() if k.key_hash == key_hash), None)

    async def route_callback(self, token_hash: str) -> CallbackRoute | None:
        self.db.check_up()
        for attempt in self.db.attempts.values():
            if attempt.kind is AttemptKind.STK_PUSH and attempt.callback_token_hash == token_hash:
                tenant = Tenant(merchant_id=attempt.merchant_id, environment=attempt.environment)
                return CallbackRoute(tenant=tenant, intent_id=attempt.intent_id, push_id=attempt.id)
        return None

    async def credential_tenants(self, *, not_key_id: str) -> list[Tenant]:
        self.db.check_up()
        stale = (t for t, stored in self.db.credentials.items() if stored.sealed.key_id != not_key_id)
        return sorted(stale, key=lambda t: (t.merchant_id, t.environment.value))

    async def stuck_intents(self, *, updated_before: int, limit: int) -> list[StuckIntent]:
        self.db.check_up()

        def last_activity(intent: PaymentIntent) -> int:
            return self.db.reconciled_at.get(intent.id, intent.updated)

        stuck = sorted(
            (
                i
                for i in self.db.intents.values()
                if i.status is IntentStatus.PROCESSING and last_activity(i) <= updated_before
            ),
            key=lambda i: (last_activity(i), i.id),
        )
        return [
            StuckIntent(tenant=Tenant(merchant_id=i.merchant_id, environment=i.environment), intent_id=i.id)
            for i in stuck[: max(limit, 0)]
        ]

    async def record_unroutable_callback(self, token_hint: str, body: Any, received_at: int) -> None:
        self.db.check_up()
        self.db.unroutable_callbacks.append(
            UnroutableCallback(token_hint=token_hint[:6], body=keepable(body), received_at=received_at)
        )

    async def prune_unroutable_callbacks(self, *, received_before: int, limit: int) -> int:
        self.db.check_up()
        doomed = sorted(
            (c for c in self.db.unroutable_callbacks if c.received_at < received_before), key=lambda c: c.received_at
        )[: max(limit, 0)]
        for callback in doomed:
            self.db.unroutable_callbacks.remove(callback)
        return len(doomed)


_: TenantDirectory = FakeTenantDirectory(InMemoryDatabase())
