from __future__ import annotations

import random
import secrets

from micropay.ports.random_source import RandomSource


class SystemRandomSource(RandomSource):
    """Secrets from the operating system's CSPRNG (``secrets``); jitter from ``random`` (not a secret)."""

    def token_bytes(self, length: int) -> bytes:
        return secrets.token_bytes(length)

    def jitter(self) -> float:
        return random.random()
