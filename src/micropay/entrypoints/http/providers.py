"""What only the HTTP app needs in the container: the idempotency runner, readiness, and dishka's Litestar glue."""

from __future__ import annotations

from dishka import Provider, Scope, provide
from dishka.integrations.litestar import LitestarProvider
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.daraja.breaker import BreakingDarajaGateway
from micropay.adapters.persistence.engine import ping
from micropay.entrypoints.http.idempotency import IdempotentRunner
from micropay.entrypoints.http.routes.health import Readiness


class HttpProvider(Provider):
    scope = Scope.APP

    @provide
    def readiness(self, engine: AsyncEngine, breaking: BreakingDarajaGateway) -> Readiness:
        return Readiness(lambda: ping(engine), breaking.snapshot)

    runner = provide(IdempotentRunner)


def http_providers() -> tuple[Provider, ...]:
    return HttpProvider(), LitestarProvider()
