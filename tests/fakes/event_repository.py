"""The fake ``EventRepository``: the tenant's committed events plus this transaction's, in written order."""

from __future__ import annotations

from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.events import Event
from micropay.ports.event_pruner import EventPruner
from micropay.ports.event_repository import EventPage, EventPageQuery, EventRepository
from tests.fakes.database import InMemoryDatabase, SchemaViolation
from tests.fakes.session import Session


class FakeEventRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _visible(self) -> list[Event]:
        """Oldest first, as the SQL ``seq`` orders them."""
        committed = [event for tenant, event in self._s.db.events if tenant == self._s.tenant]
        return committed + list(self._s.staging.events)

    async def add(self, event: Event) -> None:
        self._s.check()
        if event.livemode != self._s.tenant.environment.livemode:
            raise SchemaViolation("row-level security refuses writing another tenant's event")
        if any(e.id == event.id for e in self._visible()):
            raise SchemaViolation(f"duplicate event id {event.id}")
        self._s.staging.events.append(event)

    async def get(self, event_id: str) -> Event | None:
        self._s.check()
        return next((e for e in self._visible() if e.id == event_id), None)

    async def list_page(self, query: EventPageQuery) -> EventPage:
        self._s.check()
        visible = self._visible()
        position = {e.id: n for n, e in enumerate(visible)}
        matching = [e for e in visible if _matches(e, query)]
        newest_first = list(reversed(matching))
        cursor_id = query.starting_after or query.ending_before
        if cursor_id is None:
            return EventPage(data=newest_first[: query.limit], has_more=len(newest_first) > query.limit)
        if cursor_id not in position:  # like SQL comparing with a missing row: nothing matches
            return EventPage(data=[], has_more=False)
        cursor = position[cursor_id]
        if query.starting_after is not None:
            older = [e for e in newest_first if position[e.id] < cursor]
            return EventPage(data=older[: query.limit], has_more=len(older) > query.limit)
        newer = [e for e in newest_first if position[e.id] > cursor]
        page = newer[-query.limit :] if query.limit > 0 else []
        return EventPage(data=page, has_more=len(newer) > len(page))

    async def for_intent(self, intent_id: str, *, limit: int, starting_after: str | None = None) -> EventPage:
        self._s.check()
        visible = self._visible()
        position = {e.id: n for n, e in enumerate(visible)}
        events = [e for e in visible if e.intent_id == intent_id]
        if starting_after is not None:
            if starting_after not in position:
                return EventPage(data=[], has_more=False)
            events = [e for e in events if position[e.id] > position[starting_after]]
        return EventPage(data=events[:limit], has_more=len(events) > limit)


def _matches(event: Event, query: EventPageQuery) -> bool:
    created = event.created
    return (
        (not query.types or event.type.value in query.types)
        and (query.type_prefix is None or event.type.value.startswith(query.type_prefix))
        and (query.created_gte is None or created >= query.created_gte)
        and (query.created_gt is None or created > query.created_gt)
        and (query.created_lte is None or created <= query.created_lte)
        and (query.created_lt is None or created < query.created_lt)
        and (query.delivery_success is None or (event.pending_webhooks == 0) is query.delivery_success)
    )


class FakeEventPruner:
    """``prune`` like the SQL adapter: oldest written first, strictly before the cutoff, at most ``limit``."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def prune(self, *, created_before: int, limit: int) -> int:
        self._db.check_up()
        if limit <= 0:
            return 0
        doomed = [n for n, (_, event) in enumerate(self._db.events) if event.created < created_before][:limit]
        for n in reversed(doomed):
            del self._db.events[n]
        return len(doomed)


_: EventRepository = FakeEventRepository(
    Session(InMemoryDatabase(), Tenant(merchant_id="acct_x", environment=Environment.SANDBOX))
)
__: EventPruner = FakeEventPruner(InMemoryDatabase())
