"""Entrypoints: the HTTP app, the CLI, the simulator and the dishka composition root."""
