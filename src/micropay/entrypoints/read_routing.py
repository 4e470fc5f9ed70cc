"""Composition of the read path: read replicas (``MICROPAY_DATABASE_REPLICA_URLS``) and the API-key cache.

Without replicas nothing changes: the routed reads use the primary's units of work. With them, a
``ReadRouter`` (APP scope, health checks started with the app) decides per read (ADR 0014), and hears the
change feed (pins) and every commit of this process. On Postgres, key lookups are cached per process while
the change feed's ``LISTEN`` connection is up (``MICROPAY_API_KEY_CACHE_SIZE`` 0 turns it off).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import NamedTuple

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.api_key_cache import ApiKeyCache, CachingTenantDirectory
from micropay.adapters.persistence.bundle import Persistence
from micropay.adapters.persistence.engine import create_engine
from micropay.adapters.persistence.replicas import ReadRouter, RoutedTenantDirectory, RoutedUnitOfWorkFactory
from micropay.adapters.persistence.tenant_directory import SqlaTenantDirectory
from micropay.adapters.persistence.unit_of_work import AfterCommit
from micropay.adapters.realtime import ManagedChangeFeed, PgListenNotifyChangeFeed
from micropay.domain.model.environment import Tenant
from micropay.domain.use_cases.api_keys import IssuedKey, RollApiKey
from micropay.domain.use_cases.events import GetEvent, ListEvents, ListIntentEvents
from micropay.domain.use_cases.queries import GetPaymentIntent, ListAttempts, ListPaymentIntents
from micropay.entrypoints.settings import Settings
from micropay.ports.change_feed import Change, ChangeFeed
from micropay.ports.clock import Clock
from micropay.ports.id_generator import IdGenerator
from micropay.ports.tenant_directory import TenantDirectory
from micropay.ports.unit_of_work import UnitOfWorkFactory


class RouterSlot(NamedTuple):
    """The process's read router, or None without replicas."""

    router: ReadRouter | None


class ReadRouting(NamedTuple):
    """The units of work of the routed reads (retrieve, list, attempts, events)."""

    reads: UnitOfWorkFactory


def announce_commits(feed: ChangeFeed, slot: RouterSlot) -> AfterCommit:
    """What hears each commit: the change feed, and (with replicas) the router, which pins the tenant."""
    router = slot.router
    if router is None:
        return feed.publish

    def after_commit(changes: Sequence[Change]) -> None:
        router.note_commit(changes)
        feed.publish(changes)

    return after_commit


def read_directory(
    directory: TenantDirectory, slot: RouterSlot, feed: ManagedChangeFeed, settings: Settings
) -> TenantDirectory:
    """The tenant directory as the app uses it: key lookups from a replica while the primary is down (with
    replicas), and cached while this process listens (Postgres, ``MICROPAY_API_KEY_CACHE_SIZE`` > 0)."""
    if isinstance(feed, PgListenNotifyChangeFeed) and settings.api_key_cache_size > 0:
        cache = ApiKeyCache(max_entries=settings.api_key_cache_size, ttl=settings.api_key_cache_ttl)
        feed.observe(cache)
        directory = CachingTenantDirectory(directory, cache)  # only the primary's answers are cached
    router = slot.router
    if router is not None:
        budget = settings.unroutable_callback_budget
        replicas: dict[int, TenantDirectory] = {
            id(r.engine): SqlaTenantDirectory(r.engine, unroutable_budget=budget) for r in router.replicas
        }
        directory = RoutedTenantDirectory(router, directory, replicas)
    return directory


class ReadRoutingProvider(Provider):
    scope = Scope.APP

    @provide
    async def router_slot(
        self, settings: Settings, engine: AsyncEngine, feed: ManagedChangeFeed
    ) -> AsyncIterator[RouterSlot]:
        urls = settings.replica_urls
        if not urls:
            yield RouterSlot(None)
            return
        replicas = [create_engine(url, pool_size=settings.db_pool_size) for url in urls]
        router = ReadRouter(
            engine,
            replicas,
            pin_seconds=settings.replica_pin_seconds,
            check_interval=settings.replica_check_interval,
        )
        if isinstance(feed, PgListenNotifyChangeFeed):
            feed.observe(router)
        await router.start()
        try:
            yield RouterSlot(router)
        finally:
            await router.stop()
            for replica in replicas:
                await replica.dispose()

    @provide
    def read_routing(self, slot: RouterSlot, persistence: Persistence) -> ReadRouting:
        if slot.router is None:
            return ReadRouting(persistence.uow_factory)
        return ReadRouting(RoutedUnitOfWorkFactory(slot.router))


class RoutedReadsProvider(Provider):
    """The read use cases on the routed units of work (the others keep the primary's)."""

    scope = Scope.REQUEST

    @provide(override=True)
    def retrieve(self, routing: ReadRouting) -> GetPaymentIntent:
        return GetPaymentIntent(routing.reads)

    @provide(override=True)
    def list_intents(self, routing: ReadRouting) -> ListPaymentIntents:
        return ListPaymentIntents(routing.reads)

    @provide(override=True)
    def list_attempts(self, routing: ReadRouting) -> ListAttempts:
        return ListAttempts(routing.reads)

    @provide(override=True)
    def get_event(self, routing: ReadRouting) -> GetEvent:
        return GetEvent(routing.reads)

    @provide(override=True)
    def list_events(self, routing: ReadRouting) -> ListEvents:
        return ListEvents(routing.reads)

    @provide(override=True)
    def list_intent_events(self, routing: ReadRouting) -> ListIntentEvents:
        return ListIntentEvents(routing.reads)


class PropagatedRollApiKey(RollApiKey):
    """``RollApiKey`` that answers only once every listening process has dropped the rolled keys from its
    cache (``PgListenNotifyChangeFeed.key_barrier``, at most 1 s), so the old key fails at once everywhere."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, feed: ManagedChangeFeed) -> None:
        super().__init__(uow, clock, ids)
        self._feed = feed

    async def __call__(self, tenant: Tenant, key_type: object, expires_in: object = None) -> IssuedKey:
        issued = await super().__call__(tenant, key_type, expires_in)
        if isinstance(self._feed, PgListenNotifyChangeFeed):
            await self._feed.key_barrier()
        return issued


class KeyRollProvider(Provider):
    scope = Scope.REQUEST

    roll_key = provide(PropagatedRollApiKey, provides=RollApiKey, override=True)
