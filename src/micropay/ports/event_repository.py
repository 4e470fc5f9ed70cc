from __future__ import annotations

from typing import Protocol

import msgspec

from micropay.domain.model.events import Event


class EventPageQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Newest first. ``starting_after``/``ending_before`` are event ids (cursors); at most one is set.

    Filters combine with AND: ``types`` (exact type names, any of them), ``type_prefix`` (types starting with
    it), ``created_*`` (Unix seconds). A new filter (the webhooks' ``delivery_success``) is one more field
    here and one more WHERE clause in each adapter's ``list_page``.
    """

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    types: tuple[str, ...] = ()
    type_prefix: str | None = None
    created_gte: int | None = None
    created_gt: int | None = None
    created_lte: int | None = None
    created_lt: int | None = None
    #: False: only events with at least one webhook delivery not (yet) succeeded; True: only events without.
    delivery_success: bool | None = None


class EventPage(msgspec.Struct, frozen=True, kw_only=True):
    data: list[Event]
    has_more: bool


class EventRepository(Protocol):
    """The events of the unit of work's tenant only, in the order they were written.

    ``add`` is called by the use cases in the very transaction that writes the intent the event is about
    (see ``domain/use_cases/_events.py``): the event commits or rolls back with its change. Raises
    ``StorageUnavailable`` when the database fails.
    """

    async def add(self, event: Event) -> None:
        """Insert a new event (its id is new)."""
        ...

    async def get(self, event_id: str) -> Event | None:
        """The event, or None when it does not exist for this tenant."""
        ...

    async def list_page(self, query: EventPageQuery) -> EventPage:
        """A page newest first (the reverse of the order the events were written)."""
        ...

    async def for_intent(self, intent_id: str, *, limit: int, starting_after: str | None = None) -> EventPage:
        """One intent's events oldest first (the order they were written), after the cursor if given."""
        ...
