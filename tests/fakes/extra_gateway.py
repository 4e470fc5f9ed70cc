"""Extras on the fake Daraja gateway for concurrency and race tests (kept apart from ``daraja_gateway.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Environment
from micropay.domain.model.push import PushVerdict
from micropay.ports.daraja_gateway import QueryFinal, QueryPending, StkPushRequest
from tests.fakes.daraja_gateway import FakeDarajaGateway


class GatedDarajaGateway(FakeDarajaGateway):
    """Holds every push (and query) in flight until ``release`` is set, so that concurrent callers overlap.

    ``in_flight`` counts the calls that reached the gateway. ``crash_next_push`` makes the next push fail
    with an exception instead of a verdict (a bug, or a connection broken after sending).
    ``before_query_answer``, when set, runs once while a query is in flight (Daraja has answered, the caller
    has not seen it yet), to stage a concurrent change.
    """

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.release.set()
        self.in_flight = 0
        self.before_query_answer: Callable[[], Awaitable[None]] | None = None
        self.crash_next_push: Exception | None = None

    def hold(self) -> None:
        self.release.clear()

    async def stk_push(self, credentials: DarajaCredentials, request: StkPushRequest) -> PushVerdict:
        self.in_flight += 1
        await self.release.wait()
        crash, self.crash_next_push = self.crash_next_push, None
        if crash is not None:
            raise crash
        return await super().stk_push(credentials, request)

    async def stk_query(
        self, credentials: DarajaCredentials, environment: Environment, checkout_request_id: str
    ) -> QueryPending | QueryFinal:
        self.in_flight += 1
        await self.release.wait()
        hook, self.before_query_answer = self.before_query_answer, None
        if hook is not None:
            await hook()
        return await super().stk_query(credentials, environment, checkout_request_id)
