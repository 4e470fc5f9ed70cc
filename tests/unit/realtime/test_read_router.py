"""The read router's rule (ADR 0014), with a fake clock and fake health answers: no database."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import replicas
from micropay.adapters.persistence.replicas import ReadRouter
from micropay.domain.model.environment import Environment, Tenant
from micropay.entrypoints.settings import Settings, SettingsError
from micropay.ports.change_feed import Change

SHOP = Tenant(merchant_id="acct_shop", environment=Environment.SANDBOX)
OTHER = Tenant(merchant_id="acct_other", environment=Environment.SANDBOX)
PIN = 5.0


class Engine:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


class World:
    """What the health checks see: the primary's WAL position and each replica's replay position."""

    def __init__(self) -> None:
        self.now = 100.0
        self.primary_position: int | None = 10  # None: the primary does not answer
        self.replayed: dict[str, int | None] = {"replica-a": 10, "replica-b": 10}
        self.in_recovery = True

    def clock(self) -> float:
        return self.now

    async def answer(self, engine: Any, _statement: Any) -> tuple[Any, ...]:
        if engine.name == "primary":
            if self.primary_position is None:
                raise OSError("connection refused")
            return (self.primary_position,)
        replayed = self.replayed[engine.name]
        if replayed is None:
            raise OSError("connection refused")
        return (self.in_recovery, replayed)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    world = World()
    monkeypatch.setattr(replicas, "_scalar_row", world.answer)
    return world


PRIMARY, A, B = Engine("primary"), Engine("replica-a"), Engine("replica-b")


def _router(world: World, *replica_engines: Engine) -> ReadRouter:
    engines = cast("list[AsyncEngine]", list(replica_engines or (A,)))
    router = ReadRouter(cast("AsyncEngine", PRIMARY), engines, pin_seconds=PIN, monotonic=world.clock)
    for replica, engine in zip(router.replicas, replica_engines or (A,), strict=True):
        replica.name = engine.name
    return router


async def _listening(world: World, router: ReadRouter) -> None:
    """The listener up for longer than the pin, and a check since."""
    router.listening_changed(True)
    world.now += PIN
    await router.check()


async def test_nothing_goes_to_a_replica_before_a_check_or_without_a_live_listener(world: World) -> None:
    router = _router(world)
    router.listening_changed(True)
    world.now += PIN
    assert router.read_engine(SHOP) is PRIMARY  # not checked yet: unknown lag
    await router.check()
    assert router.read_engine(SHOP) is A
    router.listening_changed(False)
    assert router.read_engine(SHOP) is PRIMARY


async def test_after_the_listener_reconnects_every_tenant_reads_the_primary_for_the_pin(world: World) -> None:
    router = _router(world)
    await _listening(world, router)
    assert router.read_engine(SHOP) is A
    router.listening_changed(False)
    world.now += 1
    router.listening_changed(True)  # what was committed meanwhile went unheard, for any tenant
    for tenant in (SHOP, OTHER):
        assert router.read_engine(tenant) is PRIMARY
    world.now += PIN - 0.5
    await router.check()
    assert router.read_engine(OTHER) is PRIMARY
    world.now += 0.5
    await router.check()
    assert router.read_engine(OTHER) is A


async def test_a_tenant_that_wrote_reads_the_primary_for_the_pin_others_do_not(world: World) -> None:
    router = _router(world)
    await _listening(world, router)
    router.changed(Change(tenant=SHOP, intent_id="pi_1"))  # heard from another process
    assert router.read_engine(SHOP) is PRIMARY
    assert router.read_engine(OTHER) is A
    world.now += PIN - 0.01
    await router.check()
    assert router.read_engine(SHOP) is PRIMARY
    world.now += 0.02
    await router.check()
    assert router.read_engine(SHOP) is A


async def test_the_request_that_wrote_reads_the_primary_whatever_the_time(world: World) -> None:
    router = _router(world)
    await _listening(world, router)

    async def request_that_writes() -> tuple[object, object]:
        router.note_commit([])  # a commit that changed no intent: still a write of this request
        world.now += 3600
        await router.check()
        return router.read_engine(OTHER), router.read_engine(SHOP)

    assert await asyncio.create_task(request_that_writes()) == (PRIMARY, PRIMARY)
    assert router.read_engine(OTHER) is A  # another request (task) is not concerned
    assert contextvars.copy_context().run(router.read_engine, SHOP) is A


async def test_a_replica_lagging_more_than_the_pin_is_not_used_until_it_catches_up(world: World) -> None:
    router = _router(world)
    await _listening(world, router)
    world.primary_position = 20  # the primary moves on, the replica stops replaying
    for _ in range(5):
        world.now += 1.0
        await router.check()
        assert router.read_engine(OTHER) is A  # caught up to the sample at t=100 for <= PIN seconds
    world.now += 1.0
    await router.check()
    assert router.read_engine(OTHER) is PRIMARY
    assert router.replica_states() == {"replica-a": "lagging"}
    world.replayed["replica-a"] = 20
    world.now += 1.0
    await router.check()
    assert router.read_engine(OTHER) is A
    assert router.replica_states() == {"replica-a": "ok"}


async def test_primary_down_every_routed_read_goes_to_a_reachable_replica_even_lagging(world: World) -> None:
    router = _router(world, A, B)
    await _listening(world, router)
    router.changed(Change(tenant=SHOP))
    world.primary_position = None
    world.replayed["replica-b"] = None
    world.now += 60  # far behind by now
    await router.check()
    assert router.mode == "read_only"
    assert {router.read_engine(SHOP) for _ in range(4)} == {A}
    assert router.lookup_engine() is A
    world.replayed["replica-a"] = None
    await router.check()
    assert router.mode == "unavailable"
    assert router.read_engine(SHOP) is PRIMARY
    world.primary_position = 10
    await router.check()
    assert router.mode == "ok"


async def test_round_robin_over_fresh_replicas_and_a_promoted_one_is_not_used(world: World) -> None:
    router = _router(world, A, B)
    await _listening(world, router)
    assert {router.read_engine(OTHER) for _ in range(4)} == {A, B}
    world.in_recovery = False
    await router.check()
    assert router.read_engine(OTHER) is PRIMARY
    assert router.replica_states() == {"replica-a": "unavailable", "replica-b": "unavailable"}


async def test_a_failed_start_marks_the_engine_down_and_names_the_other(world: World) -> None:
    router = _router(world)
    await _listening(world, router)
    assert router.failed(cast("AsyncEngine", A)) is PRIMARY
    assert router.read_engine(OTHER) is PRIMARY
    await router.check()
    assert router.read_engine(OTHER) is A
    assert router.failed(cast("AsyncEngine", PRIMARY)) is A
    assert router.mode == "read_only"


def test_replica_urls_need_a_postgres_primary_and_postgres_urls() -> None:
    assert Settings().replica_urls == []
    postgres = "postgresql+asyncpg://u@primary/db"
    settings = Settings(database_url=postgres, database_replica_urls=" postgresql+asyncpg://u@r1/db, ,x ")
    with pytest.raises(SettingsError, match="MICROPAY_DATABASE_REPLICA_URLS"):
        _ = settings.replica_urls
    with pytest.raises(SettingsError, match="MICROPAY_DATABASE_REPLICA_URLS"):
        _ = Settings(database_replica_urls="postgresql+asyncpg://u@r1/db").replica_urls
    both = "postgresql+asyncpg://u@r1/db,postgresql+asyncpg://u@r2/db"
    assert Settings(database_url=postgres, database_replica_urls=both).replica_urls == both.split(",")


async def test_read_only_ends_as_soon_as_anything_reaches_the_primary(world: World) -> None:
    router = _router(world)
    await _listening(world, router)
    router.listening_changed(False)
    world.primary_position = None
    await router.check()
    assert router.mode == "read_only"
    assert router.read_engine(SHOP) is A
    router.listening_changed(True)  # the feed reconnected: to the primary
    assert router.mode == "ok"
    assert router.read_engine(SHOP) is PRIMARY  # and every tenant is pinned for a while
    router.primary_failed()
    router.primary_answered()  # /readyz's ping
    assert router.mode == "ok"
