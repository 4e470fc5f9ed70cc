"""Event streams (contract §11): a tenant's or one intent's events as they commit, resumable with nothing missed.

Streams read the events table, never the notifications: the change feed only says *when* to read. A stream
keeps a cursor (the last event it gave out) and reads what was written after it, in ``seq`` order. Because a
tenant's events commit in ``seq`` order (``adapters/persistence/event_order.py``), a read after the cursor
can never later be overtaken by an older event that commits late: resuming from any event id misses none.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Final, Self

import msgspec

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import Event
from micropay.domain.model.ids import EVENT_PREFIX, is_valid_id
from micropay.domain.use_cases._support import load_intent
from micropay.ports.change_feed import ChangeFeed, ChangeSubscription
from micropay.ports.event_repository import EventPage, EventPageQuery
from micropay.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

#: Events read per round trip; a stream behind by more reads again at once.
BATCH: Final = 100


class StreamStart(msgspec.Struct, frozen=True, kw_only=True):
    """Where a stream begins: after ``after`` (an event id, named by ``after_param`` in errors) if given;
    else an intent stream starts at the intent's first event and a tenant stream with what commits next."""

    intent_id: str | None = None
    after: str | None = None
    after_param: str = "after"
    client_secret: str | None = None
    #: A publishable key's view: no ``metadata`` in ``data.object``, no ``request`` (the merchant's own keys).
    reduced: bool = False


class EventStream:
    """``async with`` it, then ``await next_batch(within)`` for ever: the events written after the cursor,
    oldest first, or ``[]`` once ``within`` seconds pass quietly (time for a keep-alive). Raises
    ``ChangeFeedClosed`` when the process shuts down."""

    def __init__(self, uow: UnitOfWorkFactory, feed: ChangeFeed, tenant: Tenant, start: StreamStart) -> None:
        self._uow = uow
        self._feed = feed
        self._tenant = tenant
        self._start = start
        self._cursor = start.after
        self._from_now = start.intent_id is None and start.after is None
        self._due = True  # a read is due: at the start, and after a signal or a full batch
        self._subscription: ChangeSubscription | None = None
        self._context = feed.subscribe(tenant, intent_id=start.intent_id)

    async def __aenter__(self) -> Self:
        # Subscribe before the first read, so that nothing committed between the two is missed.
        self._subscription = await self._context.__aenter__()
        if self._from_now:
            async with self._uow(self._tenant) as uow:
                newest = await uow.events.list_page(EventPageQuery(limit=1))
            self._cursor = newest.data[0].id if newest.data else None
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._context.__aexit__(exc_type, exc, tb)

    async def next_batch(self, within: float) -> list[Event]:
        if self._subscription is None:
            raise RuntimeError("Use the stream inside `async with`.")
        if not self._due and not await self._subscription.next(within=within):
            return []
        # Shielded: a client that leaves mid-read (a closed tab) must not cut a pooled connection mid-query.
        events, more = await asyncio.shield(self._read())
        self._due = more
        if events:
            self._cursor = events[-1].id
        return [self._view(event) for event in events]

    async def _read(self) -> tuple[list[Event], bool]:
        async with self._uow(self._tenant) as uow:
            if self._start.intent_id is not None:
                page = await uow.events.for_intent(self._start.intent_id, limit=BATCH, starting_after=self._cursor)
                return page.data, page.has_more
            if self._cursor is not None:
                # ``ending_before`` gives the BATCH events right after the cursor (newest first): reverse them.
                page = await uow.events.list_page(EventPageQuery(limit=BATCH, ending_before=self._cursor))
                return list(reversed(page.data)), page.has_more
            return await _everything(uow), False

    def _view(self, event: Event) -> Event:
        if not self._start.reduced:
            return event
        data = msgspec.structs.replace(
            event.data, object=msgspec.structs.replace(event.data.object, metadata=msgspec.UNSET)
        )
        return msgspec.structs.replace(event, data=data, request=None)


async def _everything(uow: UnitOfWork) -> list[Event]:
    """All the tenant's events, oldest first: only for a tenant that had none when its stream opened."""
    pages: list[EventPage] = [await uow.events.list_page(EventPageQuery(limit=BATCH))]
    while pages[-1].has_more:
        pages.append(await uow.events.list_page(EventPageQuery(limit=BATCH, starting_after=pages[-1].data[-1].id)))
    return [event for page in reversed(pages) for event in reversed(page.data)]


class OpenEventStream:
    """Check a stream request and return the (not yet entered) stream.

    Rules: an intent stream needs the tenant's intent (and the client secret when given, as retrieve);
    ``after`` must be one of the tenant's events, and of that intent for an intent stream, else 400 naming
    the parameter (a resume point that does not exist would silently skip everything after it).
    """

    def __init__(self, uow: UnitOfWorkFactory, feed: ChangeFeed) -> None:
        self._uow = uow
        self._feed = feed

    async def __call__(self, tenant: Tenant, start: StreamStart) -> EventStream:
        async with self._uow(tenant) as uow:
            if start.intent_id is not None:
                await load_intent(uow, start.intent_id, start.client_secret)
            if start.after is not None:
                await _check_resume_point(uow, start)
        return EventStream(self._uow, self._feed, tenant, start)


async def _check_resume_point(uow: UnitOfWork, start: StreamStart) -> None:
    after = start.after
    event = await uow.events.get(after) if after is not None and is_valid_id(after, EVENT_PREFIX) else None
    if event is None or (start.intent_id is not None and event.intent_id != start.intent_id):
        what = "this PaymentIntent's" if start.intent_id is not None else "your"
        raise InvalidParameter(start.after_param, f"{start.after_param} must be the id of one of {what} events.")
