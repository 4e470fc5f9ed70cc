"""Real API server processes (``micropay serve``) for crash tests, and the row locks that hold them in place."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg
import httpx

from tests import pg

START_TIMEOUT_S = 30.0
LOCK_WAIT_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_environment(database_url: str, daraja_url: str, vault_key: str) -> dict[str, str]:
    return {
        **os.environ,
        "MICROPAY_DATABASE_URL": database_url,
        "MICROPAY_VAULT_KEY": vault_key,
        "MICROPAY_JWT_SECRET": vault_key + vault_key,  # serve refuses Postgres without one (docs/auth.md)
        "MICROPAY_DARAJA_SANDBOX_URL": daraja_url,
        "MICROPAY_SANDBOX_CONSUMER_KEY": "crash-test-key",
        "MICROPAY_SANDBOX_CONSUMER_SECRET": "crash-test-secret",
        "MICROPAY_RECONCILE_INTERVAL": "0",  # nothing settles behind the test's back
        "MICROPAY_LOG_LEVEL": "WARNING",
    }


def new_vault_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass
class Server:
    """One ``micropay serve`` process on its own port."""

    process: asyncio.subprocess.Process
    url: str

    @classmethod
    async def start(cls, environment: Mapping[str, str]) -> Server:
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "micropay.entrypoints.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            env=dict(environment),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        server = cls(process, f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx.AsyncClient(base_url=server.url, timeout=1.0) as client:
            while True:
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return server
                except httpx.TransportError:
                    pass
                if process.returncode is not None or time.monotonic() > deadline:
                    await server.kill()
                    raise AssertionError(f"micropay serve did not start (exit code {process.returncode})")
                await asyncio.sleep(0.1)

    async def kill(self) -> None:
        """SIGKILL: no shutdown hook, no rollback sent, no idempotency record completed."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()


async def admin(database_url: str) -> asyncpg.Connection:
    """A superuser connection to the test database (it bypasses row-level security)."""
    connection: asyncpg.Connection = await asyncpg.connect(pg._dsn(database_url))
    return connection


async def wait_for_a_lock_waiter(database_url: str) -> None:
    """Until some backend of this database waits for a row lock (the server is held where the test wants).

    Polled on a connection of its own, outside any transaction: a transaction sees one snapshot of
    ``pg_stat_activity`` for its whole duration.
    """
    deadline = time.monotonic() + LOCK_WAIT_TIMEOUT_S
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    connection = await admin(database_url)
    try:
        while await connection.fetchval(query) == 0:
            if time.monotonic() > deadline:
                raise AssertionError("no server backend ever waited for the held lock")
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
