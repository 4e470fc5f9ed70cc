from __future__ import annotations

from typing import Protocol


class RandomSource(Protocol):
    """Randomness for webhooks: secure bytes for signing secrets, and the retry schedule's jitter."""

    def token_bytes(self, length: int) -> bytes:
        """``length`` bytes from a cryptographically secure source."""
        ...

    def jitter(self) -> float:
        """A number in [0, 1)."""
        ...
