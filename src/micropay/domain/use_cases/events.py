"""Reading events: retrieve one, list the tenant's (newest first, filtered), list one intent's (oldest first)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import MAX_TYPES_FILTER, Event, exact_type, parse_type_filter
from micropay.domain.model.ids import EVENT_PREFIX, is_valid_id
from micropay.domain.use_cases._support import load_intent
from micropay.domain.use_cases.queries import check_limit
from micropay.ports.event_repository import EventPage, EventPageQuery
from micropay.ports.unit_of_work import UnitOfWorkFactory


class CreatedRange(msgspec.Struct, frozen=True, kw_only=True):
    """``created[gte]``, ``created[gt]``, ``created[lte]``, ``created[lt]`` (Unix seconds, each optional)."""

    gte: int | None = None
    gt: int | None = None
    lte: int | None = None
    lt: int | None = None


def _check_cursor(name: str, cursor: str | None) -> None:
    if cursor is not None and not is_valid_id(cursor, EVENT_PREFIX):
        raise InvalidParameter(name, f"{name} must be an Event id (evt_...).")


class GetEvent:
    """The tenant's event; ``ResourceMissing`` otherwise (also for a string that is no event id)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant: Tenant, event_id: str) -> Event:
        if not is_valid_id(event_id, EVENT_PREFIX):
            raise ResourceMissing("event", event_id)
        async with self._uow(tenant) as uow:
            event = await uow.events.get(event_id)
        if event is None:
            raise ResourceMissing("event", event_id)
        return event


class ListEvents:
    """Newest first, cursor-paged like intents.

    Rules: ``limit`` 1-100; ``starting_after`` xor ``ending_before``, each an event id; ``type`` is an exact
    event type or a prefix ending in ``*``; ``types`` lists up to 20 exact types; not both ``type`` and
    ``types`` (as Stripe); ``created`` bounds combine with AND; ``delivery_success=False`` keeps the events
    with at least one webhook delivery not yet succeeded (``True``: the others).
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self,
        tenant: Tenant,
        *,
        limit: int = 10,
        starting_after: str | None = None,
        ending_before: str | None = None,
        type: str | None = None,
        types: Sequence[str] = (),
        created: CreatedRange | None = None,
        delivery_success: bool | None = None,
    ) -> EventPage:
        check_limit(limit)
        if starting_after is not None and ending_before is not None:
            raise InvalidParameter("ending_before", "Use either starting_after or ending_before, not both.")
        _check_cursor("starting_after", starting_after)
        _check_cursor("ending_before", ending_before)
        if type is not None and types:
            raise InvalidParameter("types", "Use either type or types, not both.")
        if len(types) > MAX_TYPES_FILTER:
            raise InvalidParameter("types", f"types takes at most {MAX_TYPES_FILTER} event types.")
        exact, prefix = parse_type_filter(type) if type is not None else ((), None)
        if types:
            exact = tuple(exact_type(name, "types") for name in types)
        bounds = created or CreatedRange()
        query = EventPageQuery(
            limit=limit,
            starting_after=starting_after,
            ending_before=ending_before,
            types=exact,
            type_prefix=prefix,
            created_gte=bounds.gte,
            created_gt=bounds.gt,
            created_lte=bounds.lte,
            created_lt=bounds.lt,
            delivery_success=delivery_success,
        )
        async with self._uow(tenant) as uow:
            return await uow.events.list_page(query)


class ListIntentEvents:
    """One intent's events, oldest first; ``ResourceMissing`` when the intent is not the tenant's."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, tenant: Tenant, intent_id: str, *, limit: int = 100, starting_after: str | None = None
    ) -> EventPage:
        check_limit(limit)
        _check_cursor("starting_after", starting_after)
        async with self._uow(tenant) as uow:
            await load_intent(uow, intent_id)
            return await uow.events.for_intent(intent_id, limit=limit, starting_after=starting_after)
