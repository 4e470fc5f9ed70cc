"""At most N open event streams per merchant and environment in this process (contract §11: 429 past it).

Per process, on purpose: the bound protects this process' memory and file descriptors, and counting across
processes would need a shared store for a number that changes every time a browser tab opens or closes.
With W workers a merchant can hold at most W × N streams.
"""

from __future__ import annotations

from micropay.domain.model.environment import Tenant
from micropay.entrypoints.http.errors import ApiError

RETRY_AFTER_SECONDS = 5


class StreamSlot:
    """One open stream's place; ``release`` is idempotent (both the stream's end and the response's may call it)."""

    def __init__(self, slots: StreamSlots, key: tuple[str, str]) -> None:
        self._slots = slots
        self._key = key
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots._release(self._key)


class StreamSlots:
    def __init__(self, per_tenant: int) -> None:
        self._per_tenant = per_tenant
        self._open: dict[tuple[str, str], int] = {}

    def take(self, tenant: Tenant) -> StreamSlot:
        """A slot for one more stream of ``tenant``, or ``ApiError`` 429 when all are taken."""
        key = (tenant.merchant_id, tenant.environment.value)
        if self._open.get(key, 0) >= self._per_tenant:
            raise ApiError(
                429,
                "rate_limit_error",
                "too_many_streams",
                f"Too many open event streams for this account (at most {self._per_tenant} per server process); "
                "close one, or resume later with Last-Event-ID.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        self._open[key] = self._open.get(key, 0) + 1
        return StreamSlot(self, key)

    def open_streams(self, tenant: Tenant) -> int:
        return self._open.get((tenant.merchant_id, tenant.environment.value), 0)

    def _release(self, key: tuple[str, str]) -> None:
        left = self._open.get(key, 0) - 1
        if left > 0:
            self._open[key] = left
        else:
            self._open.pop(key, None)
