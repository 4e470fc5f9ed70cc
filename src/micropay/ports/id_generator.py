from __future__ import annotations

from typing import Protocol


class IdGenerator(Protocol):
    """The only source of ids and random secrets for the core."""

    def new_id(self, prefix: str) -> str:
        """``{prefix}_`` + 24 base62 characters, time-sortable (see ``domain.model.ids``)."""
        ...

    def new_secret(self, length: int) -> str:
        """``length`` base62 characters from a cryptographically secure source."""
        ...
