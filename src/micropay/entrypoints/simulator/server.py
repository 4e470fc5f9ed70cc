"""``run_simulator``: serve the Daraja simulator with uvicorn (``micropay simulator``)."""

from __future__ import annotations

import logging

import uvicorn

from micropay.entrypoints.simulator.app import create_simulator_app
from micropay.entrypoints.simulator.settings import SimulatorSettings


def run_simulator(host: str = "127.0.0.1", port: int = 8001, settings: SimulatorSettings | None = None) -> None:
    """Block serving the simulator until interrupted; pending callbacks are cancelled on shutdown."""
    # httpx logs each callback's full URL at INFO, and the URL carries the callback token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    uvicorn.run(
        create_simulator_app(settings or SimulatorSettings()),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
