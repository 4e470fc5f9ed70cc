"""The bundled Daraja simulator (docs/simulator.md): ``micropay simulator``."""

from __future__ import annotations

from micropay.entrypoints.simulator.app import create_simulator_app, simulator_state
from micropay.entrypoints.simulator.server import run_simulator
from micropay.entrypoints.simulator.settings import SANDBOX_PASSKEY, SANDBOX_SHORT_CODE, SimulatorSettings

__all__ = [
    "SANDBOX_PASSKEY",
    "SANDBOX_SHORT_CODE",
    "SimulatorSettings",
    "create_simulator_app",
    "run_simulator",
    "simulator_state",
]
