"""Read replicas: which database a read goes to, and read-only mode when the primary is down.

The rule (docs/adr/0014-read-routing.md, docs/replicas.md). The reads routed here (retrieve, list,
attempts, events; the use cases built on ``RoutedUnitOfWorkFactory``) go to the primary when any of these
holds, else to a replica:
1. this task (the request) committed a write through this process;
2. the tenant (merchant and environment) wrote within the last ``pin_seconds``: a commit in this process,
   or a change another process committed, heard on the change feed's ``LISTEN`` connection (which hears
   every intent change and event at commit, before the writer can answer its client);
3. the ``LISTEN`` connection is down (then other processes' writes would go unheard), or came up less than
   ``pin_seconds`` ago (what was committed while it was down went unheard: every tenant counts as pinned);
4. no replica is known to have replayed what the primary had ``pin_seconds`` ago (lag, down, or not
   checked yet). A replica qualifies while ``now - caught_up_at <= pin_seconds``, where ``caught_up_at`` is
   the newest time the primary's WAL position was sampled at or below the replica's replay position. So a
   write pinned until ``t + pin_seconds`` is on any replica chosen after that.

When the primary is down (the last health check or a lookup failed), every routed read goes to a reachable
replica, whatever its lag: read-only mode. Writes keep going to the primary and fail with
``StorageUnavailable`` (503 ``storage_unavailable`` with ``Retry-After``). When no replica is reachable,
reads go to the primary (and fail while it is down). API-key lookups follow the same primary-down rule.

``ReadRouter.start()`` checks every ``check_interval`` seconds: the primary's WAL position, each replica's
replay position (``pg_is_in_recovery()`` must hold: a promoted replica is not used).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, Final, Literal, Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.unit_of_work import SqlaUnitOfWork
from micropay.domain.model.api_keys import ApiKey
from micropay.domain.model.environment import Tenant
from micropay.ports.change_feed import Change
from micropay.ports.errors import StorageUnavailable
from micropay.ports.tenant_directory import CallbackRoute, StuckIntent, TenantDirectory
from micropay.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("micropay.replicas")

DEFAULT_PIN_SECONDS: Final = 5.0
DEFAULT_CHECK_INTERVAL: Final = 1.0
CHECK_TIMEOUT_SECONDS: Final = 2.0
_PRIMARY_POSITION: Final = text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
_REPLICA_POSITION: Final = text("SELECT pg_is_in_recovery(), pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint")

#: Set (to True) in the task that committed a write through this process: its later reads see it.
_wrote_in_this_task: ContextVar[bool] = ContextVar("micropay_wrote_in_this_task", default=False)

Mode = Literal["ok", "read_only", "unavailable"]


class Replica:
    """One replica's engine and what the last check found."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.engine = engine
        self.name = name  # "replica-1", ...: never the URL (it may hold a password)
        self.reachable = False
        self.caught_up_at: float | None = None  # monotonic; see the module's rule 4

    def __repr__(self) -> str:
        return f"Replica({self.name}, reachable={self.reachable})"


class ReadRouter:
    """Where each routed read goes (``read_engine``); a ``FeedObserver`` of the change feed."""

    def __init__(
        self,
        primary: AsyncEngine,
        replicas: Sequence[AsyncEngine],
        *,
        pin_seconds: float = DEFAULT_PIN_SECONDS,
        check_interval: float = DEFAULT_CHECK_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replicas = [Replica(engine, f"replica-{n}") for n, engine in enumerate(replicas, start=1)]
        self._pin_seconds = pin_seconds
        self._check_interval = check_interval
        self._monotonic = monotonic
        self._pins: dict[Tenant, float] = {}  # tenant -> monotonic time its pin ends
        self._samples: deque[tuple[float, int]] = deque()  # (time, primary WAL position), oldest first
        self._turn = itertools.count()
        self._listener_live = False
        self._all_pinned_until = 0.0  # after the listener (re)connects: every tenant, see listening_changed
        self.primary_up = True  # until a check or a lookup says otherwise
        self._task: asyncio.Task[None] | None = None
        self.reads_on_replica = 0
        self.reads_on_primary = 0

    def __repr__(self) -> str:
        return f"ReadRouter(mode={self.mode}, replicas={self.replicas})"

    # -- decisions

    @property
    def mode(self) -> Mode:
        if self.primary_up:
            return "ok"
        return "read_only" if any(r.reachable for r in self.replicas) else "unavailable"

    def read_engine(self, tenant: Tenant) -> AsyncEngine:
        replica = self._choose(tenant)
        if replica is None:
            self.reads_on_primary += 1
            return self.primary
        self.reads_on_replica += 1
        return replica.engine

    def _choose(self, tenant: Tenant) -> Replica | None:
        if not self.primary_up:
            return self._next(r for r in self.replicas if r.reachable)
        if not self._listener_live or _wrote_in_this_task.get():
            return None
        now = self._monotonic()
        pinned_until = max(self._pins.get(tenant, 0.0), self._all_pinned_until)
        if now < pinned_until:
            return None
        return self._next(r for r in self.replicas if self._fresh(r, now))

    def _fresh(self, replica: Replica, now: float) -> bool:
        return (
            replica.reachable and replica.caught_up_at is not None and now - replica.caught_up_at <= self._pin_seconds
        )

    def _next(self, candidates: Any) -> Replica | None:
        choices = list(candidates)
        return choices[next(self._turn) % len(choices)] if choices else None

    def replica_states(self) -> dict[str, str]:
        """Each replica's state for ``/readyz``: ``ok``, ``lagging`` (reachable, too far behind) or ``unavailable``."""
        now = self._monotonic()
        return {
            r.name: ("ok" if self._fresh(r, now) else "lagging") if r.reachable else "unavailable"
            for r in self.replicas
        }

    def lookup_engine(self) -> AsyncEngine | None:
        """A reachable replica for lookups made while the primary is down, else None."""
        replica = self._next(r for r in self.replicas if r.reachable)
        return None if replica is None else replica.engine

    # -- what it hears

    def note_commit(self, changes: Sequence[Change]) -> None:
        """``AfterCommit``: this process committed these changes (in the current task)."""
        _wrote_in_this_task.set(True)
        for change in changes:
            self._pin(change.tenant)

    def _pin(self, tenant: Tenant) -> None:
        self._pins[tenant] = self._monotonic() + self._pin_seconds

    def failed(self, engine: AsyncEngine) -> AsyncEngine | None:
        """A read could not start on ``engine``: mark it down; the engine to try instead, if any."""
        if engine is self.primary:
            self.primary_failed()
            return self.lookup_engine()
        for replica in self.replicas:
            if replica.engine is engine and replica.reachable:
                log.warning("replicas: %s is unreachable; its reads go to the primary", replica.name)
                replica.reachable = False
        if self.primary_up:
            return self.primary
        return self.lookup_engine()

    def primary_failed(self) -> None:
        """A statement on the primary failed for want of the database: read-only until a check succeeds."""
        if self.primary_up:
            log.warning("replicas: the primary is unreachable; reads go to the replicas (read-only)")
        self.primary_up = False

    def primary_answered(self) -> None:
        """Something reached the primary (``/readyz``'s ping, the feed's connection): not read-only now."""
        if not self.primary_up:
            log.warning("replicas: the primary is back; reads and writes as usual")
        self.primary_up = True

    def listening_changed(self, live: bool) -> None:
        if live:
            self.primary_answered()  # the LISTEN connection is on the primary
        # Notifications sent while nobody listened are lost: once listening again, every tenant counts as
        # having written just now, so whatever was missed is on any replica chosen after the pin.
        if live and not self._listener_live:
            self._all_pinned_until = self._monotonic() + self._pin_seconds
        self._listener_live = live

    def changed(self, change: Change) -> None:
        self._pin(change.tenant)

    def api_key_changed(self, key_hash: str) -> None:
        """Keys are not read from replicas while the primary is up."""

    # -- health checks

    async def check(self) -> None:
        """One round: sample the primary's WAL position, then each replica's replay position."""
        started = self._monotonic()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                try:
                    position = await _scalar_row(self.primary, _PRIMARY_POSITION)
                except Exception:  # a pooled connection that died with a restart: once more, fresh
                    position = await _scalar_row(self.primary, _PRIMARY_POSITION)
        except Exception as exc:  # any failure means: not usable now
            if self.primary_up:
                log.warning("replicas: the primary is unreachable (%s); read-only", type(exc).__name__)
            self.primary_up = False
        else:
            self.primary_answered()
            self._samples.append((started, int(position[0])))
        for replica in self.replicas:
            await self._check_replica(replica)
        self._forget(started)

    async def _check_replica(self, replica: Replica) -> None:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                in_recovery, replayed = await _scalar_row(replica.engine, _REPLICA_POSITION)
        except Exception as exc:  # any failure means: not usable now
            if replica.reachable:
                log.warning("replicas: %s is unreachable (%s)", replica.name, type(exc).__name__)
            replica.reachable = False
            return
        if not in_recovery or replayed is None:
            if replica.reachable:
                log.warning("replicas: %s is not a standby (promoted?); not used", replica.name)
            replica.reachable = False
            return
        replica.reachable = True
        caught_up = [at for at, position in self._samples if position <= int(replayed)]
        if caught_up:
            replica.caught_up_at = max(caught_up[-1], replica.caught_up_at or caught_up[-1])

    def _forget(self, now: float) -> None:
        """Drop samples and pins too old to matter (keeping the newest sample)."""
        horizon = now - self._pin_seconds - 2 * self._check_interval
        while len(self._samples) > 1 and self._samples[0][0] < horizon:
            self._samples.popleft()
        for tenant in [t for t, until in self._pins.items() if until <= now]:
            del self._pins[tenant]

    async def start(self) -> None:
        if self._task is None:
            await self.check()
            self._task = asyncio.create_task(self._run(), name="micropay-replica-checks")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            # Read-only: look for the primary ten times as often, since once it is back and takes writes, the
            # replica's answers may miss them (until then nothing can commit).
            await asyncio.sleep(self._check_interval if self.primary_up else self._check_interval / 10)
            await self.check()


async def _scalar_row(engine: AsyncEngine, statement: Any) -> tuple[Any, ...]:
    async with engine.connect() as connection:
        result = await connection.execute(statement)
        return tuple(result.one())


class _RoutedUnitOfWork(SqlaUnitOfWork):
    """A read's unit of work on the engine the router chose; if that one cannot even start a transaction
    (a replica or the primary just went down), on the other side instead, and the router is told."""

    def __init__(self, router: ReadRouter, engine: AsyncEngine, tenant: Tenant) -> None:
        super().__init__(engine, tenant)
        self._router = router

    async def __aenter__(self) -> Self:
        chosen = self._engine
        try:
            return await super().__aenter__()
        except StorageUnavailable:
            if chosen is self._router.primary:
                # A pooled connection that died with a restart fails once and invalidates the pool: only a
                # second failure, on a fresh connection, means the primary is down.
                with contextlib.suppress(StorageUnavailable):
                    return await super().__aenter__()
            other = self._router.failed(chosen)
            if other is None:
                raise
        self._engine = other
        return await super().__aenter__()


class RoutedUnitOfWorkFactory(UnitOfWorkFactory):
    """Units of work for the routed reads: on the engine ``ReadRouter.read_engine`` picks for the tenant."""

    def __init__(self, router: ReadRouter) -> None:
        self._router = router

    def __call__(self, tenant: Tenant) -> SqlaUnitOfWork:
        return _RoutedUnitOfWork(self._router, self._router.read_engine(tenant), tenant)


class RoutedTenantDirectory(TenantDirectory):
    """API-key lookups from a replica while the primary is down; everything else on the primary."""

    def __init__(self, router: ReadRouter, primary: TenantDirectory, replicas: dict[int, TenantDirectory]) -> None:
        self._router = router
        self._primary = primary
        self._replicas = replicas  # by id() of the replica's engine

    def _replica_directory(self) -> TenantDirectory | None:
        engine = self._router.lookup_engine()
        return None if engine is None else self._replicas.get(id(engine))

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        if self._router.primary_up:
            try:
                return await self._primary.find_api_key(key_hash)
            except StorageUnavailable:
                fallback = self._replica_directory()
                if fallback is None:
                    raise
            try:  # once more on a fresh connection (see _RoutedUnitOfWork) before calling the primary down
                return await self._primary.find_api_key(key_hash)
            except StorageUnavailable:
                self._router.primary_failed()
            return await fallback.find_api_key(key_hash)
        fallback = self._replica_directory()
        return await (fallback or self._primary).find_api_key(key_hash)

    async def route_callback(self, token_hash: str) -> CallbackRoute | None:
        return await self._primary.route_callback(token_hash)

    async def credential_tenants(self, *, not_key_id: str) -> list[Tenant]:
        return await self._primary.credential_tenants(not_key_id=not_key_id)

    async def stuck_intents(self, *, updated_before: int, limit: int) -> list[StuckIntent]:
        return await self._primary.stuck_intents(updated_before=updated_before, limit=limit)

    async def record_unroutable_callback(self, token_hint: str, body: Any, received_at: int) -> None:
        await self._primary.record_unroutable_callback(token_hint, body, received_at)

    async def prune_unroutable_callbacks(self, *, received_before: int, limit: int) -> int:
        return await self._primary.prune_unroutable_callbacks(received_before=received_before, limit=limit)
