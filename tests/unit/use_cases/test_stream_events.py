"""Event streams on the fakes and the in-process feed: where a stream starts, that it reads only when
signalled, batches, the reduced view for publishable keys, and which resume points are refused."""

from __future__ import annotations

import msgspec
import pytest

from micropay.adapters.realtime import InProcessChangeFeed
from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model.events import EventRequest, EventType
from micropay.domain.use_cases.stream_events import BATCH, EventStream, OpenEventStream, StreamStart
from micropay.ports.change_feed import Change, ChangeFeedClosed
from tests.unit.use_cases.test_wait_for_intent import CountingUnitOfWorkFactory
from tests.unit.use_cases.world import OTHER_SANDBOX, PRODUCTION, SANDBOX, World


class Streams:
    def __init__(self, world: World) -> None:
        self.world = world
        self.feed = InProcessChangeFeed()
        self.reads = CountingUnitOfWorkFactory(world.uow)
        self.open = OpenEventStream(self.reads, self.feed)

    def announce(self, intent_id: str | None = None) -> None:
        self.feed.publish([Change(tenant=SANDBOX, intent_id=intent_id)])

    async def stream(self, **start: object) -> EventStream:
        return await self.open(SANDBOX, StreamStart(**start))  # type: ignore[arg-type]


@pytest.fixture
def streams(world: World) -> Streams:
    return Streams(world)


async def test_an_intent_stream_starts_with_the_intents_history_then_waits_for_a_signal(streams: Streams) -> None:
    intent = (await streams.world.new_intent()).intent
    await streams.world.cancel(SANDBOX, intent.id)

    async with await streams.stream(intent_id=intent.id) as stream:
        history = await stream.next_batch(within=1)
        reads = streams.reads.opened
        assert await stream.next_batch(within=0.05) == []  # quiet: no read at all
        assert streams.reads.opened == reads

        streams.announce(intent.id)  # a signal with nothing new: one read, nothing given out
        assert await stream.next_batch(within=1) == []
        assert streams.reads.opened == reads + 1

    assert [e.type for e in history] == [EventType.CREATED, EventType.CANCELED]


async def test_an_account_stream_starts_with_what_commits_after_it_opened(streams: Streams) -> None:
    await streams.world.new_intent()
    async with await streams.stream() as stream:
        assert await stream.next_batch(within=0.05) == []
        later = (await streams.world.new_intent()).intent
        await streams.world.new_intent(PRODUCTION)  # another environment: not this stream's
        streams.announce(later.id)
        batch = await stream.next_batch(within=1)
    assert [(e.type, e.intent_id) for e in batch] == [(EventType.CREATED, later.id)]


async def test_a_new_accounts_stream_gets_every_event_even_past_one_batch(streams: Streams) -> None:
    async with await streams.stream() as stream:
        ids = [(await streams.world.new_intent()).intent.id for _ in range(BATCH + 20)]
        streams.announce()
        got = await stream.next_batch(within=1)
    assert [e.intent_id for e in got] == ids


async def test_a_stream_behind_by_more_than_a_batch_reads_again_without_waiting(streams: Streams) -> None:
    first = (await streams.world.new_intent()).intent
    async with await streams.stream() as stream:
        await stream.next_batch(within=0.01)
        ids = [(await streams.world.new_intent()).intent.id for _ in range(BATCH + 5)]
        streams.announce()
        one = await stream.next_batch(within=1)
        two = await stream.next_batch(within=0.01)  # no new signal needed: the rest is due
        assert await stream.next_batch(within=0.01) == []
    assert len(one) == BATCH
    assert [e.intent_id for e in one + two] == ids
    assert first.id not in ids


async def test_resuming_after_an_event_gives_exactly_the_ones_after_it(streams: Streams) -> None:
    intent = (await streams.world.new_intent()).intent
    await streams.world.cancel(SANDBOX, intent.id)
    async with await streams.stream(intent_id=intent.id) as stream:
        created, canceled = await stream.next_batch(within=1)
    async with await streams.stream(intent_id=intent.id, after=created.id) as stream:
        assert [e.id for e in await stream.next_batch(within=1)] == [canceled.id]
    async with await streams.stream(after=created.id) as stream:  # the account stream, too
        assert [e.id for e in await stream.next_batch(within=1)] == [canceled.id]


async def test_the_reduced_view_has_no_metadata_and_no_request(streams: Streams) -> None:
    request = EventRequest(id="req_1", idempotency_key="order-1001")
    created = await streams.world.new_intent(request=request, metadata={"order": "1001"})
    start = {"intent_id": created.intent.id, "client_secret": created.client_secret}
    async with await streams.stream(**start, reduced=True) as stream:
        (reduced,) = await stream.next_batch(within=1)
    async with await streams.stream(**start) as stream:
        (full,) = await stream.next_batch(within=1)
    assert full.request == request
    assert full.data.object.metadata == {"order": "1001"}
    assert reduced.request is None
    assert reduced.data.object.metadata is msgspec.UNSET  # left out of the encoded JSON
    assert reduced.data.object.status == full.data.object.status


async def test_resume_points_that_are_not_this_streams_events_are_refused(streams: Streams) -> None:
    mine = (await streams.world.new_intent()).intent
    other = (await streams.world.new_intent()).intent
    theirs = (await streams.world.new_intent(OTHER_SANDBOX)).intent
    async with await streams.stream(intent_id=other.id) as stream:
        (others_event,) = await stream.next_batch(within=1)
    async with await streams.open(OTHER_SANDBOX, StreamStart(intent_id=theirs.id)) as stream:
        (their_event,) = await stream.next_batch(within=1)

    for start in (
        StreamStart(intent_id=mine.id, after=others_event.id),
        StreamStart(intent_id=mine.id, after="evt_nope", after_param="Last-Event-ID"),
        StreamStart(after=their_event.id),
    ):
        with pytest.raises(InvalidParameter) as refused:
            await streams.open(SANDBOX, start)
        assert refused.value.param == start.after_param
    with pytest.raises(ResourceMissing):
        await streams.open(SANDBOX, StreamStart(intent_id=mine.id, client_secret=f"{mine.id}_secret_wrong"))
    assert streams.feed.subscriber_count == 0


async def test_a_stopping_feed_ends_the_stream(streams: Streams) -> None:
    async with await streams.stream() as stream:
        await stream.next_batch(within=0.01)
        await streams.feed.stop()
        with pytest.raises(ChangeFeedClosed):
            await stream.next_batch(within=1)
