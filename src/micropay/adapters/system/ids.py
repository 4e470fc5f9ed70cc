from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from micropay.domain.model.ids import BASE62, RANDOM_SPACE, make_id
from micropay.ports.id_generator import IdGenerator


class SecureIdGenerator(IdGenerator):
    """Time-sortable ids with 16 random base62 characters (~95 bits) and secrets, all from ``secrets``.

    ``time_ns`` is the wall clock in nanoseconds; tests pass their own to check ordering without waiting.
    """

    def __init__(self, time_ns: Callable[[], int] = time.time_ns) -> None:
        self._time_ns = time_ns

    def new_id(self, prefix: str) -> str:
        return make_id(prefix, millis=self._time_ns() // 1_000_000, entropy=secrets.randbelow(RANDOM_SPACE))

    def new_secret(self, length: int) -> str:
        if length < 0:
            raise ValueError("a secret cannot have a negative length")
        return "".join(secrets.choice(BASE62) for _ in range(length))
