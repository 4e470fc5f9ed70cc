"""What only the HTTP app needs in the container: the idempotency runner, readiness, the event-stream slots and
dishka's Litestar glue."""

from __future__ import annotations

from dishka import Provider, Scope, provide
from dishka.integrations.litestar import LitestarProvider
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.daraja.breaker import BreakingDarajaGateway
from micropay.adapters.persistence.engine import ping
from micropay.entrypoints.http.idempotency import IdempotentRunner
from micropay.entrypoints.http.routes.health import Readiness
from micropay.entrypoints.http.stream_slots import StreamSlots
from micropay.entrypoints.read_routing import RouterSlot
from micropay.entrypoints.settings import Settings


class HttpProvider(Provider):
    scope = Scope.APP

    @provide
    def readiness(self, engine: AsyncEngine, breaking: BreakingDarajaGateway, slot: RouterSlot) -> Readiness:
        return Readiness(lambda: ping(engine), breaking.snapshot, slot.router)

    runner = provide(IdempotentRunner)

    @provide
    def stream_slots(self, settings: Settings) -> StreamSlots:
        return StreamSlots(settings.max_streams_per_merchant)


def http_providers() -> tuple[Provider, ...]:
    return HttpProvider(), LitestarProvider()
