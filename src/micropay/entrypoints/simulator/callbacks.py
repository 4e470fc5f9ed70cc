"""Delivers callbacks in the background, once each (or as many times as the scenario says), no retries."""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import httpx
import msgspec

from micropay.entrypoints.simulator.state import SimulatorState, Transaction

log = logging.getLogger(__name__)

_HEADERS: Final = {"Content-Type": "application/json;charset=UTF-8"}


class CallbackDispatcher:
    """Owns the simulator's outbound client and its pending deliveries; ``close`` cancels what is pending."""

    def __init__(self, state: SimulatorState, client: httpx.AsyncClient) -> None:
        self._state = state
        self._client = client
        self._pending: set[asyncio.Task[None]] = set()

    def schedule(self, txn: Transaction, callback_url: str) -> None:
        if txn.outcome.deliveries <= 0:
            return
        task = asyncio.create_task(self._deliver(txn, callback_url))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def close(self) -> None:
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        await self._client.aclose()

    async def _deliver(self, txn: Transaction, callback_url: str) -> None:
        await asyncio.sleep(max(0.0, txn.due_at - self._state.monotonic()))
        content = msgspec.json.encode(self._state.callback_body(txn))
        headers = {**_HEADERS, "Businessshortcode": txn.short_code}
        for _ in range(txn.outcome.deliveries):
            try:
                response = await self._client.post(callback_url, content=content, headers=headers)
            except httpx.HTTPError as exc:
                self._state.counters.callbacks_failed += 1
                log.warning(
                    "callback delivery failed",
                    extra={"checkout_request_id": txn.checkout_request_id, "error": type(exc).__name__},
                )
                continue
            self._state.counters.callbacks_sent += 1
            log.info(
                "callback delivered",
                extra={"checkout_request_id": txn.checkout_request_id, "http_status": response.status_code},
            )
