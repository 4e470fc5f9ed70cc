"""Deterministic ids and secrets, so that a failing test (or a Hypothesis example) replays exactly."""

from __future__ import annotations

from micropay.domain.model.ids import BASE62, encode_base62, make_id
from micropay.ports.clock import Clock
from micropay.ports.id_generator import IdGenerator


class SequentialIdGenerator:
    """Ids ``{prefix}_`` + 24 base62 characters: the clock's milliseconds, then a global counter.

    Valid for ``ids.is_valid_id`` and time-sortable like the real generator; ids made at the same instant
    sort in the order they were made. Without a clock the time part is 0 and ids sort by creation order.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock
        self._counter = 0
        self._secrets = 0

    def new_id(self, prefix: str) -> str:
        self._counter += 1
        millis = int(self._clock.now() * 1000) if self._clock is not None else 0
        return make_id(prefix, millis=millis, entropy=self._counter)

    def new_secret(self, length: int) -> str:
        """``length`` base62 characters that differ from every earlier secret (not random at all)."""
        if length <= 0:
            return ""
        self._secrets += 1
        seed = encode_base62(self._secrets, 8)
        return (seed + BASE62 * (length // len(BASE62) + 1))[:length] if length >= 8 else seed[-length:]


_: IdGenerator = SequentialIdGenerator()
