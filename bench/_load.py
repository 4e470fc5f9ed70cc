"""The load generator: full payment lifecycles through the HTTP API, closed-loop or at a fixed rate.

One lifecycle: create (POST /v1/payment_intents) -> confirm (POST …/confirm; the API pushes to the fake
Daraja) -> Daraja's success callback, POSTed by us to the CallBackURL the API sent -> GET shows
``succeeded``. Every request is timed from the first byte written to the last byte read.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

import msgspec
from _fake_daraja import FakeDaraja, success_callback
from _http import HttpConnection, HttpError

CREATE_BODY: Final = msgspec.json.encode(
    {"amount": 150000, "currency": "kes", "phone_number": "254708374149", "description": "Bench order"}
)
CONFIRM_BODY: Final = b"{}"
MAX_IN_FLIGHT: Final = 256


class _Mpesa(msgspec.Struct):
    checkout_request_id: str | None = None


class _Intent(msgspec.Struct):
    id: str
    status: str
    mpesa: _Mpesa | None = None


_decode_intent = msgspec.json.Decoder(_Intent).decode


@dataclass
class Samples:
    """What one phase measured: per-step latencies (seconds), finished lifecycles, errors by step."""

    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {s: [] for s in ("create", "confirm", "callback", "retrieve", "wait")}
    )
    lifecycles: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    dropped: int = 0  # fixed-rate phase only: lifecycles not started because MAX_IN_FLIGHT were running


class VirtualUser:
    """A merchant's backend (API key connection) plus a Daraja callback connection, and a second merchant
    connection for the ``wait`` variant (a long poll holds its connection while the callback goes in)."""

    def __init__(self, port: int, secret_key: str) -> None:
        self.api = HttpConnection("127.0.0.1", port, {"Authorization": f"Bearer {secret_key}"})
        self.daraja = HttpConnection("127.0.0.1", port, {"User-Agent": "bench-daraja"})
        self.waiter = HttpConnection("127.0.0.1", port, {"Authorization": f"Bearer {secret_key}"})

    async def close(self) -> None:
        await self.api.close()
        await self.daraja.close()
        await self.waiter.close()


class Lifecycles:
    """``wait``: one ``GET …/wait?until=terminal`` per lifecycle, sent right after confirm and answered when
    the callback (sent meanwhile on the Daraja connection) commits the success: the realtime path end to end
    (NOTIFY, the process's LISTEN connection, the waiter's re-read)."""

    def __init__(self, daraja: FakeDaraja, *, wait: bool = False) -> None:
        self._daraja = daraja
        self._wait = wait
        self._receipts = 0
        self._transaction_date = int(time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() + 3 * 3600)))

    async def run(self, user: VirtualUser, samples: Samples, until: float) -> None:
        """One lifecycle; counted and its latencies kept only if it ends before ``until``."""
        try:
            timed = await self._steps(user, samples)
        except HttpError:
            samples.errors["connection"] += 1
            return
        if timed is not None and time.perf_counter() <= until:
            samples.lifecycles += 1
            for step, seconds in timed.items():
                samples.latencies[step].append(seconds)

    async def _steps(self, user: VirtualUser, samples: Samples) -> dict[str, float] | None:
        timed: dict[str, float] = {}
        status, body = await _timed(timed, "create", user.api.request("POST", "/v1/payment_intents", CREATE_BODY))
        if status != 201:
            return _fail(samples, "create", status)
        intent = _decode_intent(body)
        path = f"/v1/payment_intents/{intent.id}"
        status, body = await _timed(timed, "confirm", user.api.request("POST", f"{path}/confirm", CONFIRM_BODY))
        confirmed = _decode_intent(body) if status == 200 else None
        checkout = confirmed.mpesa.checkout_request_id if confirmed and confirmed.mpesa else None
        push = self._daraja.pushes.pop(checkout, None) if checkout else None
        if push is None:
            return _fail(samples, "confirm", status)
        self._receipts += 1
        callback = success_callback(checkout or "", push, f"BEN{self._receipts:07d}", self._transaction_date)
        webhook = urlsplit(push.callback_url).path
        waiting = None
        if self._wait:
            wait_path = f"{path}/wait?until=terminal&timeout=10"
            waiting = asyncio.ensure_future(_timed(timed, "wait", user.waiter.request("GET", wait_path)))
            await asyncio.sleep(0)  # the wait's request is written before the callback's
        status, _ = await _timed(timed, "callback", user.daraja.request("POST", webhook, callback))
        if status != 200:
            if waiting is not None:
                await waiting
            return _fail(samples, "callback", status)
        if waiting is not None:
            status, body = await waiting
            if status != 200 or _decode_intent(body).status != "succeeded":
                return _fail(samples, "wait", status)
        status, body = await _timed(timed, "retrieve", user.api.request("GET", path))
        if status != 200 or _decode_intent(body).status != "succeeded":
            return _fail(samples, "retrieve", status)
        return timed


async def _timed(timed: dict[str, float], step: str, call: Awaitable[tuple[int, bytes]]) -> tuple[int, bytes]:
    started = time.perf_counter()
    result = await call
    timed[step] = time.perf_counter() - started
    return result


def _fail(samples: Samples, step: str, status: int) -> dict[str, float] | None:
    """Count the failure by step and status; the lifecycle is not counted (the caller returns this None)."""
    samples.errors[f"{step}:{status}"] += 1
    return None


async def closed_loop(users: list[VirtualUser], lifecycles: Lifecycles, seconds: float) -> tuple[Samples, float]:
    """Each user runs lifecycles back to back for ``seconds``: ``(samples, elapsed)``."""
    samples = Samples()
    started = time.perf_counter()
    until = started + seconds

    async def user_loop(user: VirtualUser) -> None:
        while time.perf_counter() < until:
            await lifecycles.run(user, samples, until)

    await asyncio.gather(*(user_loop(user) for user in users))
    return samples, seconds


async def fixed_rate(
    port: int, secret_key: str, lifecycles: Lifecycles, rate: float, seconds: float, users: list[VirtualUser]
) -> tuple[Samples, float]:
    """Start a lifecycle every ``1/rate`` s (open loop: a slow answer does not delay the next start).

    A start takes an idle user (``users`` first), or opens a new one when all are busy.
    """
    samples = Samples()
    idle = list(users)
    extra: list[VirtualUser] = []
    running: set[asyncio.Task[None]] = set()
    every = 1.0 / rate
    started = time.perf_counter()
    until = started + seconds

    async def one(user: VirtualUser) -> None:
        await lifecycles.run(user, samples, until)
        idle.append(user)

    tick = 0
    while (due := started + tick * every) < until:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tick += 1
        if len(running) >= MAX_IN_FLIGHT:
            samples.dropped += 1
            continue
        if not idle:
            extra.append(VirtualUser(port, secret_key))
            idle.append(extra[-1])
        task = asyncio.create_task(one(idle.pop(0)))  # oldest first, so that no connection idles out
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)
    await asyncio.gather(*(user.close() for user in extra))
    return samples, seconds
