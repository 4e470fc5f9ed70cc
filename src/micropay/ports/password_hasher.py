from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """Slow, salted password hashing (Argon2id). Every method does the hashing off the event loop.

    ``verify`` and ``burn`` take the same time for the same parameters, so a login for an unknown email
    (``burn``) cannot be told apart from a wrong password by its timing.
    """

    async def hash(self, password: str) -> str:
        """A new encoded hash (the algorithm, its parameters and the salt inside)."""
        ...

    async def verify(self, encoded: str, password: str) -> bool:
        """Whether ``password`` matches; False (never an error) for a malformed hash."""
        ...

    async def burn(self, password: str) -> None:
        """Do the work of one ``verify`` against a hash that matches nothing (for unknown emails)."""
        ...

    def needs_rehash(self, encoded: str) -> bool:
        """Whether the hash was made with other parameters than the current ones (rehash on login)."""
        ...
