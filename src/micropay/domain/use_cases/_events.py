"""Where a change and its events are written together: every use case that transitions an intent calls these.

The seam for what must happen in the same transaction as an event (docs/adr/0008-events-in-the-same-transaction.md):

- the intent write comes first, then ``uow.events.add`` for each event, all on the unit of work's one
  connection; nothing commits until the use case calls ``uow.commit()``, so a crash anywhere in between
  leaves neither the change nor its event;
- webhook deliveries: schedule them here, right after ``uow.events.add(event)``, through a repository of the
  same unit of work (one delivery row per matching endpoint), and set ``pending_webhooks`` on the event
  before it is added;
- realtime: on Postgres, ``SqlaEventRepository.add`` is where a ``pg_notify`` carrying the event and intent
  ids belongs (Postgres delivers it only if the transaction commits); on SQLite, the unit of work's
  ``after_commit`` hook (``SqlaUnitOfWorkFactory(engine, after_commit=...)``) receives the committed events
  in-process, after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import msgspec

from micropay.domain.model.events import Event, EventRequest, IntentEvent, event_of
from micropay.domain.model.ids import EVENT_PREFIX
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.use_cases.webhooks.schedule import schedule_deliveries
from micropay.ports.id_generator import IdGenerator
from micropay.ports.unit_of_work import UnitOfWork

#: The webhook body is the event exactly as the API renders it (msgspec, the same encoder settings).
_ENCODER: Final = msgspec.json.Encoder()


def _renderer(event: Event) -> Callable[[int], bytes]:
    def render(pending_webhooks: int) -> bytes:
        return _ENCODER.encode(msgspec.structs.replace(event, pending_webhooks=pending_webhooks))

    return render


async def save_transition(
    uow: UnitOfWork,
    intent: PaymentIntent,
    changes: Sequence[IntentEvent],
    *,
    ids: IdGenerator,
    request: EventRequest | None,
    new: bool = False,
) -> list[Event]:
    """Write ``intent`` (insert when ``new``, else the version-checked save) and then its events."""
    if new:
        await uow.intents.add(intent)
    else:
        await uow.intents.save(intent)
    return await record_events(uow, intent, changes, ids=ids, request=request)


async def record_events(
    uow: UnitOfWork,
    intent: PaymentIntent,
    changes: Sequence[IntentEvent],
    *,
    ids: IdGenerator,
    request: EventRequest | None,
) -> list[Event]:
    """Add the events of ``changes`` (about ``intent`` as it now is) to the unit of work's transaction, each
    with its webhook deliveries (one per matching enabled endpoint) and ``pending_webhooks`` set to their count."""
    events = [event_of(change, intent, event_id=ids.new_id(EVENT_PREFIX), request=request) for change in changes]
    recorded = []
    for event in events:
        pending = await schedule_deliveries(
            uow,
            event_id=event.id,
            event_type=event.type.value,
            render=_renderer(event),
            now=event.created,
            ids=ids,
        )
        event = msgspec.structs.replace(event, pending_webhooks=pending)
        await uow.events.add(event)
        recorded.append(event)
    return recorded
