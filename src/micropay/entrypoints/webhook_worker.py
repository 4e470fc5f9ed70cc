"""``micropay webhooks run``: the webhook dispatcher as a process of its own, until SIGTERM or SIGINT.

Run as many as needed (on Postgres): each due attempt is taken by exactly one process. On a signal it stops
claiming, finishes or releases in-flight attempts (``WebhookDispatcher.stop``) and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from micropay.entrypoints.container import make_container
from micropay.entrypoints.settings import Settings
from micropay.entrypoints.webhook_dispatcher import WebhookDispatcher

log = logging.getLogger(__name__)


async def run_worker(settings: Settings, *, ready: asyncio.Event | None = None) -> None:
    container = make_container(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        dispatcher = await container.get(WebhookDispatcher)
        await dispatcher.start()
        log.info("webhook worker started")
        print("webhook worker running (Ctrl-C to stop)", flush=True)
        if ready is not None:
            ready.set()
        await stop.wait()
        await dispatcher.stop()
        log.info("webhook worker stopped")
    finally:
        await container.close()
