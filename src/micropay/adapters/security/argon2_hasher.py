"""Argon2id with argon2-cffi, hashed on worker threads so a login never blocks the event loop."""

from __future__ import annotations

import asyncio
import secrets
from typing import Final

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from micropay.ports.password_hasher import PasswordHasher

#: Contract §10's floor (OWASP's Argon2id profile): 19 MiB, 2 passes, 1 lane.
MEMORY_KIB: Final = 19 * 1024
TIME_COST: Final = 2
PARALLELISM: Final = 1
#: Hashes running at once per process: each holds MEMORY_KIB, so this bounds a worker's hashing memory.
MAX_CONCURRENT_HASHES: Final = 2


class Argon2PasswordHasher(PasswordHasher):
    """``Argon2id`` at the given parameters; at most ``max_concurrent`` hashes in flight (the rest wait,
    off the event loop's critical path, for a slot)."""

    def __init__(
        self,
        *,
        memory_kib: int = MEMORY_KIB,
        time_cost: int = TIME_COST,
        parallelism: int = PARALLELISM,
        max_concurrent: int = MAX_CONCURRENT_HASHES,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=argon2.Type.ID
        )
        self._slots = asyncio.Semaphore(max_concurrent)
        # verified by ``burn``: a hash of a random password nobody knows, made with the current parameters
        self._decoy = self._hasher.hash(secrets.token_urlsafe(32))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, encoded: str, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self._matches, encoded, password)

    async def burn(self, password: str) -> None:
        async with self._slots:
            await asyncio.to_thread(self._matches, self._decoy, password)

    def needs_rehash(self, encoded: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(encoded)
        except (InvalidHashError, ValueError):
            return True

    def _matches(self, encoded: str, password: str) -> bool:
        try:
            return self._hasher.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            return False
