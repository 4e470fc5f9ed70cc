"""Events on SQL: written in the intent's transaction, listed in the order they were written (``seq``)."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Select, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.event_order import lock_event_order
from micropay.adapters.persistence.mapping import event_from_domain, event_to_domain
from micropay.adapters.persistence.pg_driver import PgDriver, insert_sql, json_columns, row_values
from micropay.adapters.persistence.rows import EVENTS
from micropay.adapters.persistence.webhook_rows import WEBHOOK_DELIVERIES
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import Event
from micropay.domain.model.webhooks import DeliveryStatus
from micropay.ports.event_repository import EventPage, EventPageQuery, EventRepository

_C = EVENTS.c
_INSERT: Final = insert(EVENTS)
_W = WEBHOOK_DELIVERIES.c
_JSON: Final = json_columns(EVENTS)
_INSERT_COLUMNS: Final = tuple(c.name for c in EVENTS.columns if c.name != "seq")
_PG_INSERT: Final = insert_sql(EVENTS, _INSERT_COLUMNS)
_PG_LOCK: Final = "SELECT pg_advisory_xact_lock(hashtext('micropay_events'), hashtext($1))"  # event_order.py


def _undelivered() -> Any:
    """How many of an event's webhook deliveries have not succeeded (a correlated count, same tenant)."""
    return (
        select(func.count())
        .select_from(WEBHOOK_DELIVERIES)
        .where(
            _W.event_id == _C.id,
            _W.merchant_id == _C.merchant_id,
            _W.environment == _C.environment,
            _W.status != DeliveryStatus.SUCCEEDED.value,
        )
        .scalar_subquery()
    )


class SqlaEventRepository(EventRepository):
    """``added`` keeps the events this transaction wrote, for the unit of work's ``after_commit`` hook.

    ``add`` runs on the unit of work's connection, inside the transaction that wrote the intent: the place for
    statements that must commit with the event (on Postgres a ``pg_notify``, which is delivered on commit only).
    """

    def __init__(self, connection: AsyncConnection, tenant: Tenant, driver: PgDriver | None = None) -> None:
        self._connection = connection
        self._driver = driver
        self._tenant = tenant
        self.added: list[Event] = []
        self.order_locked = False

    def _scoped(self) -> Select[Any]:
        # pending_webhooks is live: the event's deliveries not (yet) succeeded (the column keeps the count at write)
        columns = [c for c in EVENTS.columns if c.name != "pending_webhooks"]
        return select(*columns, _undelivered().label("pending_webhooks")).where(
            _C.merchant_id == self._tenant.merchant_id, _C.environment == self._tenant.environment.value
        )

    async def add(self, event: Event) -> None:
        if event.livemode != self._tenant.environment.livemode:
            raise ValueError("An event can only be written by the unit of work of its own tenant.")
        if self._driver is not None:
            if not self.order_locked:  # before the first seq is drawn (event_order.py)
                tenant = f"{self._tenant.merchant_id}:{self._tenant.environment.value}"
                await self._driver.execute("insert an event", _PG_LOCK, tenant)
                self.order_locked = True
            values = row_values(event_from_domain(self._tenant, event), _INSERT_COLUMNS, _JSON)
            await self._driver.execute("insert an event", _PG_INSERT, *values)
            self.added.append(event)
            return
        with storage_errors("insert an event"):
            if not self.order_locked:  # before the first seq is drawn (event_order.py)
                await lock_event_order(self._connection, self._tenant)
                self.order_locked = True
            await self._connection.execute(_INSERT, event_from_domain(self._tenant, event))
        self.added.append(event)

    async def get(self, event_id: str) -> Event | None:
        with storage_errors("read an event"):
            result = await self._connection.execute(
                self._scoped().where(_C.id == bindparam("t_id")), {"t_id": event_id}
            )
            row = result.mappings().first()
        return event_to_domain(row) if row is not None else None

    def _seq_of(self, event_id: str) -> Any:
        # a cursor that is not the tenant's (or not there) matches nothing, as a missing row would
        return self._scoped().with_only_columns(_C.seq).where(_C.id == event_id).scalar_subquery()

    async def list_page(self, query: EventPageQuery) -> EventPage:
        statement = self._scoped()
        if query.types:
            statement = statement.where(_C.type.in_(query.types))
        if query.type_prefix is not None:
            statement = statement.where(_C.type.startswith(query.type_prefix, autoescape=True))
        for bound, compare in (
            (query.created_gte, _C.created.__ge__),
            (query.created_gt, _C.created.__gt__),
            (query.created_lte, _C.created.__le__),
            (query.created_lt, _C.created.__lt__),
        ):
            if bound is not None:
                statement = statement.where(compare(bound))
        if query.delivery_success is not None:
            undelivered = _undelivered()
            statement = statement.where(undelivered > 0 if query.delivery_success is False else undelivered == 0)
        backwards = query.ending_before is not None
        if query.ending_before is not None:
            statement = statement.where(_C.seq > self._seq_of(query.ending_before)).order_by(_C.seq.asc())
        else:
            if query.starting_after is not None:
                statement = statement.where(_C.seq < self._seq_of(query.starting_after))
            statement = statement.order_by(_C.seq.desc())
        rows = await self._rows("list events", statement.limit(query.limit + 1))
        page = [event_to_domain(row) for row in rows[: query.limit]]
        if backwards:
            page.reverse()
        return EventPage(data=page, has_more=len(rows) > query.limit)

    async def for_intent(self, intent_id: str, *, limit: int, starting_after: str | None = None) -> EventPage:
        statement = self._scoped().where(_C.intent_id == intent_id)
        if starting_after is not None:
            statement = statement.where(_C.seq > self._seq_of(starting_after))
        rows = await self._rows("list an intent's events", statement.order_by(_C.seq.asc()).limit(limit + 1))
        return EventPage(data=[event_to_domain(row) for row in rows[:limit]], has_more=len(rows) > limit)

    async def _rows(self, action: str, statement: Select[Any]) -> list[Any]:
        with storage_errors(action):
            result = await self._connection.execute(statement)
            return list(result.mappings().all())
