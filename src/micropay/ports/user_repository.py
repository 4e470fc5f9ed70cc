from __future__ import annotations

from typing import Protocol

from micropay.domain.model.users import User


class UserRepository(Protocol):
    """The merchant's users."""

    async def add(self, user: User) -> None:
        """Raises ``EmailTaken`` when any user of any merchant has the same ``email_key``."""
        ...

    async def get(self, user_id: str) -> User | None: ...

    async def list(self) -> list[User]:
        """Oldest first."""
        ...

    async def set_password_hash(self, user_id: str, password_hash: str) -> None: ...

    async def delete(self, user_id: str) -> bool:
        """Whether a user was deleted (its sessions and refresh tokens go with it)."""
        ...
