"""The delivery log, manual retries and recovery (contract §9)."""

from __future__ import annotations

import msgspec

from micropay.domain.errors import ResourceMissing
from micropay.domain.model import webhook_params
from micropay.domain.model.environment import Tenant
from micropay.domain.model.webhooks import DELIVERY_PREFIX, MAX_ATTEMPTS, DeliveryStatus, WebhookDelivery
from micropay.domain.use_cases.webhooks.deliver import AttemptDelivery
from micropay.ports.clock import Clock
from micropay.ports.id_generator import IdGenerator
from micropay.ports.webhook_unit_of_work import WebhookUnitOfWork, WebhookUnitOfWorkFactory

_ENCODER = msgspec.json.Encoder()


class ListDeliveries:
    """Newest first, each with its attempts; ``limit + 1`` rows at most (for ``has_more``).
    ``ResourceMissing`` for an endpoint or an event that is not the tenant's."""

    def __init__(self, uow: WebhookUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self,
        tenant: Tenant,
        *,
        endpoint_id: str | None = None,
        event_id: str | None = None,
        limit: int,
        starting_after: str | None = None,
    ) -> list[WebhookDelivery]:
        async with self._uow(tenant) as uow:
            if endpoint_id is not None and await uow.webhook_endpoints.get(endpoint_id) is None:
                raise ResourceMissing("webhook_endpoint", endpoint_id)
            if event_id is not None and await uow.events.get(event_id) is None:
                raise ResourceMissing("event", event_id)
            return await uow.webhook_deliveries.list(
                endpoint_id=endpoint_id, event_id=event_id, limit=limit + 1, starting_after=starting_after
            )


class RetryEvent:
    """Deliver an event to one endpoint now: a manual attempt, also for a ``failed`` delivery, a disabled
    endpoint, or an endpoint the event was never scheduled for (then a delivery is created for the manual
    attempt only: no automatic retries). It does not move the automatic schedule; a success ends it."""

    def __init__(self, uow: WebhookUnitOfWorkFactory, attempt: AttemptDelivery, ids: IdGenerator, clock: Clock) -> None:
        self._uow = uow
        self._attempt = attempt
        self._ids = ids
        self._clock = clock

    async def __call__(self, tenant: Tenant, event_id: str, endpoint_id: str) -> WebhookDelivery:
        async with self._uow(tenant) as uow:
            event = await uow.events.get(event_id)
            if event is None:
                raise ResourceMissing("event", event_id)
            if await uow.webhook_endpoints.get(endpoint_id) is None:
                raise ResourceMissing("webhook_endpoint", endpoint_id, param="endpoint")
            found = await self._delivery(uow, event_id, endpoint_id)
            if found is None:
                found = WebhookDelivery(
                    id=self._ids.new_id(DELIVERY_PREFIX),
                    event_id=event_id,
                    event_type=event.type.value,
                    endpoint_id=endpoint_id,
                    status=DeliveryStatus.FAILED,  # nothing automatic will send it
                    scheduled_attempts=MAX_ATTEMPTS,
                    next_attempt_at=None,
                    created=int(self._clock.now()),
                )
                await uow.webhook_deliveries.schedule([found], _ENCODER.encode(event))
                await uow.commit()
        await self._attempt(tenant, found.id, self._ids.new_secret(24), manual=True)
        async with self._uow(tenant) as uow:
            latest = await self._delivery(uow, event_id, endpoint_id)
        return latest or found

    @staticmethod
    async def _delivery(uow: WebhookUnitOfWork, event_id: str, endpoint_id: str) -> WebhookDelivery | None:
        found = await uow.webhook_deliveries.list(
            endpoint_id=endpoint_id, event_id=event_id, limit=1, starting_after=None
        )
        return found[0] if found else None


class RecoveryReport(msgspec.Struct, frozen=True, kw_only=True):
    since: int
    until: int
    rescheduled: int


class RecoverEndpoint:
    """Reschedule every failed or never-attempted delivery of the endpoint created in [since, until]
    (``since`` at most 14 days back; ``until`` defaults to now) with a fresh schedule; returns how many."""

    def __init__(self, uow: WebhookUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, tenant: Tenant, endpoint_id: str, since: object, until: object) -> RecoveryReport:
        now = int(self._clock.now())
        start, end = webhook_params.recover_window(since, until, now)
        async with self._uow(tenant) as uow:
            if await uow.webhook_endpoints.get(endpoint_id) is None:
                raise ResourceMissing("webhook_endpoint", endpoint_id)
            count = await uow.delivery_recovery.reschedule(endpoint_id, since=start, until=end, now=now)
            await uow.commit()
        return RecoveryReport(since=start, until=end, rescheduled=count)
