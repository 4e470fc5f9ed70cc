"""Server-sent events on the wire (text/event-stream), with keep-alives, for ``EventStream``.

Each event is ``id: evt_…``, ``event: <type>``, ``data: <event JSON>`` and a blank line; msgspec's JSON has
no newline, so ``data`` is one line. A comment line (``: keep-alive``) goes out whenever nothing else was
sent for ``keepalive`` seconds, so proxies and browsers keep the connection open.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Final

import msgspec

from micropay.domain.model.events import Event
from micropay.domain.use_cases.stream_events import EventStream
from micropay.entrypoints.http.stream_slots import StreamSlot
from micropay.ports.change_feed import ChangeFeedClosed

_ENCODER: Final = msgspec.json.Encoder()
#: How long a browser's EventSource waits before reconnecting (with Last-Event-ID) after a drop.
RETRY_MS: Final = 2000
OPENING: Final = f"retry: {RETRY_MS}\n: stream open\n\n".encode()
KEEPALIVE: Final = b": keep-alive\n\n"


def frame(event: Event) -> bytes:
    return b"id: %s\nevent: %s\ndata: %s\n\n" % (event.id.encode(), event.type.value.encode(), _ENCODER.encode(event))


async def sse_body(stream: EventStream, slot: StreamSlot, keepalive: float) -> AsyncIterator[bytes]:
    """The response body: runs until the client goes (the server cancels it) or the process stops."""
    try:
        async with stream:
            yield OPENING
            last_sent = time.monotonic()
            while True:
                left = keepalive - (time.monotonic() - last_sent)
                if left <= 0:
                    yield KEEPALIVE
                    last_sent = time.monotonic()
                    continue
                try:
                    events = await stream.next_batch(within=left)
                except ChangeFeedClosed:
                    return
                if events:
                    yield b"".join(frame(event) for event in events)
                    last_sent = time.monotonic()
    finally:
        slot.release()
