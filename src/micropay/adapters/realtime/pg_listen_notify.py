"""The change feed across processes on Postgres: one ``LISTEN`` connection per process (asyncpg).

Writers need nothing from this class: the triggers of migration 0010 ``NOTIFY`` inside the writing
transaction, so Postgres delivers exactly the committed changes, at commit, to every listening process
(this one included). Notifications carry ids only (see ``notification``).

A notification sent while this process was not listening is lost, by Postgres' design. So after every
(re)connection, once ``LISTEN`` is in place, every subscriber is woken to catch up by reading: whatever
committed before that moment the read sees, whatever commits after it is notified. The connection is
watched (termination callback plus a ``SELECT 1`` every ``health_interval`` seconds, for a silently dead
TCP connection) and re-established with capped exponential backoff and jitter.

The same connection also listens on ``micropay_api_keys`` (migration 0011: the hash of every changed API
key) and tells its observers (``FeedObserver``: the API-key cache, the read router) of key changes, of
every change it hears and of the connection coming up or going away (``observe``).

``key_barrier()`` makes a key change take effect everywhere before the writer answers: Postgres delivers a
session's notifications in commit order, so once every listening process has answered a barrier sent after
the key change committed (each acknowledges on ``micropay_api_keys_ack``), each has dropped the key.

``LISTEN`` needs a session of its own: point it at Postgres or at a session-mode pooler, never at a
transaction-mode pooler (PgBouncer ``pool_mode=transaction`` drops the subscription between transactions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Final, Protocol

import asyncpg
from sqlalchemy.engine import make_url

from micropay.adapters.realtime.notification import (
    ACK_CHANNEL,
    BARRIER_PREFIX,
    CHANNEL,
    KEY_CHANNEL,
    LISTENER_NAME,
    decode_change,
)
from micropay.adapters.realtime.subscriptions import SubscriptionRegistry
from micropay.domain.model.environment import Tenant
from micropay.ports.change_feed import Change, ChangeFeed, ChangeSubscription

log = logging.getLogger("micropay.realtime")

APP_ROLE: Final = "micropay_app"
CONNECT_TIMEOUT_SECONDS: Final = 5.0
PING_TIMEOUT_SECONDS: Final = 5.0
_CONNECTION_ERRORS: Final = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class FeedObserver(Protocol):
    """Hears what the ``LISTEN`` connection hears, on the feed's event loop; must not block or raise."""

    def listening_changed(self, live: bool) -> None:
        """``True`` once both channels are listened to; ``False`` as soon as the connection is gone."""
        ...

    def api_key_changed(self, key_hash: str) -> None:
        """A committed change to the API key with this hash (``"*"``: to every key)."""
        ...

    def changed(self, change: Change) -> None:
        """A committed intent change or event (the same hint the subscribers get)."""
        ...


def _setter(event: asyncio.Event) -> Any:
    """A termination callback that sets ``event`` (asyncpg passes the connection)."""
    return lambda _connection: event.set()


def asyncpg_dsn(database_url: str) -> str:
    """The plain ``postgresql://`` DSN asyncpg takes, for a SQLAlchemy ``postgresql+asyncpg://`` URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgListenNotifyChangeFeed(ChangeFeed):
    """``start()`` connects (waiting at most ``connect_timeout`` for the first connection, then retrying in
    the background); ``stop()`` closes it and ends every subscription."""

    def __init__(
        self,
        dsn: str,
        *,
        health_interval: float = 10.0,
        min_backoff: float = 0.1,
        max_backoff: float = 2.0,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    ) -> None:
        self._dsn = dsn
        self._health_interval = health_interval
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._connect_timeout = connect_timeout
        self._registry = SubscriptionRegistry()
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._first_attempt = asyncio.Event()
        self._observers: list[FeedObserver] = []
        self._connection: Any = None  # the listening connection, while listening
        self._connection_lock = asyncio.Lock()  # one statement at a time on it (acks, barriers, pings)
        self._barriers: dict[str, tuple[set[int], asyncio.Event]] = {}
        self._acks: set[asyncio.Task[None]] = set()
        self.connections_made = 0  # how many times LISTEN was (re-)established; for tests and operators
        self.backend_pid: int | None = None  # the listening server process, while there is one

    def __repr__(self) -> str:
        return f"PgListenNotifyChangeFeed(listening={self.listening})"  # never the DSN: it may hold a password

    def subscribe(
        self, tenant: Tenant, *, intent_id: str | None = None, expires_in: float | None = None
    ) -> AbstractAsyncContextManager[ChangeSubscription]:
        return self._registry.subscribe(tenant, intent_id=intent_id, expires_in=expires_in)

    def publish(self, changes: Sequence[Change]) -> None:
        """Nothing to do: the writing transaction's own ``NOTIFY`` (a trigger) announces the commit."""

    def observe(self, observer: FeedObserver) -> None:
        """Tell ``observer`` what the listener hears from now on (it is told ``listening_changed`` at once)."""
        self._observers.append(observer)
        observer.listening_changed(self.listening)

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    @property
    def subscriber_count(self) -> int:
        return self._registry.count

    async def start(self) -> None:
        if self._task is not None:
            return
        self._task = asyncio.create_task(self._supervise(), name="micropay-change-feed")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._connect_timeout + 1):
                await self._first_attempt.wait()

    async def stop(self) -> None:
        for ack in list(self._acks):
            ack.cancel()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._registry.close()

    async def wait_listening(self, within: float) -> bool:
        """True once ``LISTEN`` is in place (within ``within`` seconds)."""
        try:
            async with asyncio.timeout(within):
                await self._listening.wait()
        except TimeoutError:
            return False
        return True

    async def _supervise(self) -> None:
        backoff = self._min_backoff
        while True:
            connection: Any = None
            try:
                connection = await asyncpg.connect(
                    self._dsn,
                    timeout=self._connect_timeout,
                    server_settings={"application_name": LISTENER_NAME},
                )
                lost = asyncio.Event()
                connection.add_termination_listener(_setter(lost))
                # Like every pooled connection: act as the unprivileged role even with a superuser URL.
                await connection.execute(f"SET ROLE {APP_ROLE}")
                await connection.add_listener(CHANNEL, self._on_notification)
                await connection.add_listener(KEY_CHANNEL, self._on_key_notification)
                await connection.add_listener(ACK_CHANNEL, self._on_ack)
                self.backend_pid = connection.get_server_pid()
                self._connection = connection
                self._listening.set()
                self._tell_listening(True)
                self.connections_made += 1
                backoff = self._min_backoff
                self._first_attempt.set()
                # Anything committed while nobody listened is now caught up by the subscribers' own reads.
                self._registry.wake_all()
                await self._watch(connection, lost)
                log.warning("change feed: the LISTEN connection was lost; reconnecting")
            except _CONNECTION_ERRORS as exc:
                log.warning("change feed: cannot listen (%s); retrying in %.1fs", type(exc).__name__, backoff)
            finally:
                self._connection = None
                self._listening.clear()
                self._tell_listening(False)
                self.backend_pid = None
                self._first_attempt.set()
                if connection is not None:
                    connection.terminate()
            await asyncio.sleep(backoff * random.uniform(0.5, 1.0))  # jitter, not a secret
            backoff = min(backoff * 2, self._max_backoff)

    async def _watch(self, connection: Any, lost: asyncio.Event) -> None:
        """Return when the connection is gone: closed by the server, or no longer answering."""
        while not lost.is_set():
            try:
                async with asyncio.timeout(self._health_interval):
                    await lost.wait()
                return
            except TimeoutError:
                pass
            try:
                async with asyncio.timeout(PING_TIMEOUT_SECONDS), self._connection_lock:
                    await connection.fetchval("SELECT 1")
            except _CONNECTION_ERRORS:
                return

    def _on_notification(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        change = decode_change(payload)
        if change is None:
            log.warning("change feed: ignored a notification that is not a change")
            return
        for observer in self._observers:
            observer.changed(change)
        self._registry.deliver(change)

    def _on_key_notification(self, connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload.startswith(BARRIER_PREFIX):  # every change before it has been handled: acknowledge
            task = asyncio.create_task(self._acknowledge(connection, payload))
            self._acks.add(task)
            task.add_done_callback(self._acks.discard)
            return
        for observer in self._observers:
            observer.api_key_changed(payload)

    async def _acknowledge(self, connection: Any, barrier: str) -> None:
        with contextlib.suppress(*_CONNECTION_ERRORS):
            async with asyncio.timeout(PING_TIMEOUT_SECONDS), self._connection_lock:
                await connection.execute(
                    "SELECT pg_notify($1, $2)", ACK_CHANNEL, f"{barrier}:{connection.get_server_pid()}"
                )

    def _on_ack(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        barrier, _, pid = payload.rpartition(":")
        waiting = self._barriers.get(barrier)
        if waiting is not None and pid.isdigit():
            waiting[0].add(int(pid))
            waiting[1].set()

    async def key_barrier(self, within: float = 1.0) -> bool:
        """Wait until every process listening on this database has handled the key changes committed before
        this call (at most ``within`` seconds); whether they all did. False at once when not listening (then
        this process caches nothing, and neither does a process that reconnects later)."""
        connection = self._connection
        if connection is None:
            return False
        barrier = f"{BARRIER_PREFIX}{secrets.token_hex(8)}"
        acked: set[int] = set()
        expected: set[int] = set()
        heard = asyncio.Event()
        self._barriers[barrier] = (acked, heard)
        try:
            async with asyncio.timeout(within):
                async with self._connection_lock:
                    rows = await connection.fetch(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
                        LISTENER_NAME,
                    )
                    await connection.execute("SELECT pg_notify($1, $2)", KEY_CHANNEL, barrier)
                expected.update(int(row["pid"]) for row in rows)
                while not expected <= acked:
                    heard.clear()
                    await heard.wait()
            return True
        except TimeoutError:
            log.warning(
                "change feed: %d listening processes did not confirm a key change in time", len(expected - acked)
            )
            return False
        except _CONNECTION_ERRORS:
            return False
        finally:
            del self._barriers[barrier]

    def _tell_listening(self, live: bool) -> None:
        for observer in self._observers:
            observer.listening_changed(live)
