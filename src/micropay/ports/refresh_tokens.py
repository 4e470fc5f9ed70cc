from __future__ import annotations

from typing import Protocol


class RefreshTokenIssuer(Protocol):
    """Refresh tokens ``mpr_`` + 43 base64url characters (256 bits). Only their hashes are stored."""

    def issue(self) -> str:
        """A new random token (the first of a session's family)."""
        ...

    def successor(self, token: str) -> str:
        """The token that replaces ``token`` on rotation: derived with a server key, so a replay within the
        race window can give the same one again without storing it."""
        ...

    def hash(self, token: str) -> str:
        """What is stored and looked up (SHA-256 hex)."""
        ...
