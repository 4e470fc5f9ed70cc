"""Throwaway databases for tests: a fresh, migrated Postgres database or SQLite file.

Postgres: superuser ``postgres`` on 127.0.0.1:5432 (override with ``MICROPAY_TEST_PG_ADMIN_URL``, an
``postgresql+asyncpg://`` URL to a maintenance database). Every database made here has a random name and is
dropped by whoever made it. Synchronous on purpose, so session-scoped fixtures can use it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from micropay.adapters.persistence import upgrade

ADMIN_URL = os.environ.get("MICROPAY_TEST_PG_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run to completion, also when called from a coroutine (then on a helper thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def _dsn(url: str) -> str:
    """The asyncpg DSN for a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_url(name: str) -> str:
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def postgres_unreachable_reason() -> str | None:
    """None when the server answers, else one line saying why it does not."""

    async def probe() -> None:
        connection = await asyncpg.connect(_dsn(ADMIN_URL), timeout=3)
        await connection.close()

    try:
        _run(probe())
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        where = make_url(ADMIN_URL).render_as_string(hide_password=True)
        return f"PostgreSQL at {where} is unreachable ({type(exc).__name__}: {exc})"
    return None


def require_postgres() -> None:
    """Skip the calling test when Postgres is unreachable (one line says why); under ``CI=true``, fail it."""
    reason = postgres_unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; the Postgres tests must run under CI.", pytrace=False)
    pytest.skip(reason)


def _admin(sql: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(_dsn(ADMIN_URL), timeout=5)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    _run(run())


def create_database(*, migrate: bool = True) -> str:
    """A new empty database (migrated to head unless ``migrate=False``); returns its URL."""
    name = f"micropay_test_{secrets.token_hex(6)}"
    _admin(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    if migrate:
        try:
            upgrade(url)
        except BaseException:
            drop_database(url)
            raise
    return url


def drop_database(url: str) -> None:
    name = make_url(url).database
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_database(*, migrate: bool = True) -> Iterator[str]:
    url = create_database(migrate=migrate)
    try:
        yield url
    finally:
        drop_database(url)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def migrated_sqlite_file(path: Path) -> str:
    """Migrate a new SQLite file at ``path``; returns its URL."""
    url = sqlite_url(path)
    upgrade(url)
    return url


def copy_sqlite(template: Path, target: Path) -> str:
    """A copy of an already migrated file (much faster than migrating again); returns its URL."""
    shutil.copyfile(template, target)
    return sqlite_url(target)
