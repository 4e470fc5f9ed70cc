"""Argon2id with argon2-cffi, hashed on worker threads so a login never blocks the event loop."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from micropay.ports.password_hasher import PasswordHasher

#: Contract §10's floor (OWASP's Argon2id profile): 19 MiB, 2 passes, 1 lane.
MEMORY_KIB: Final = 19 * 1024
TIME_COST: Final = 2
PARALLELISM: Final = 1
#: Hashes running at once per process: each holds MEMORY_KIB, so this bounds a worker's hashing memory.
MAX_CONCURRENT_HASHES: Final = 2
T = TypeVar("T")


class Argon2PasswordHasher(PasswordHasher):
    """``Argon2id`` at the given parameters, on a pool of ``max_concurrent`` threads of its own.

    The event loop only awaits; further logins queue for a thread. A pool of its own (not the loop's
    default executor) also bounds the memory: glibc keeps a freed 19 MiB block in the arena of the thread
    that freed it, so every thread that ever hashed holds one; here that is at most ``max_concurrent``.
    """

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
        self._pool = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="argon2")
        # verified by ``burn``: a hash of a random password nobody knows, made with the current parameters
        # (on the pool too, so that no other thread's arena keeps a block). Not awaited here: it is made in the
        # background while the service starts (about 0.1 s of start-up otherwise, issue #16); ``burn`` waits.
        self._decoy = self._pool.submit(self._hasher.hash, secrets.token_urlsafe(32))

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, encoded: str, password: str) -> bool:
        return await self._run(self._matches, encoded, password)

    async def burn(self, password: str) -> None:
        decoy = await asyncio.wrap_future(self._decoy)
        await self._run(self._matches, decoy, password)

    async def _run(self, function: Callable[..., T], *args: str) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

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
