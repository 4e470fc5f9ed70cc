"""Run the migrations shipped in this package (no ``alembic.ini`` on disk needed).

``upgrade``/``downgrade`` are synchronous for the CLI and ``make run``; from async code use the ``*_async``
variants. On Postgres the URL's role must be able to create roles (a superuser, or a role with CREATEROLE
that owns the schema): the migrations create ``micropay_app`` and ``micropay_directory`` if missing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from micropay.adapters.persistence.errors import storage_errors

MIGRATIONS_DIR: Final = Path(__file__).parent / "migrations"
VERSION_TABLE: Final = "micropay_alembic_version"


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    await _run(database_url, lambda connection: command.upgrade(alembic_config(connection), revision))


async def downgrade_async(database_url: str, revision: str = "base") -> None:
    await _run(database_url, lambda connection: command.downgrade(alembic_config(connection), revision))


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema (tables, indexes, roles, grants, policies, functions) to ``revision``."""
    _block_on(upgrade_async(database_url, revision))


def downgrade(database_url: str, revision: str = "base") -> None:
    """Go back to ``revision`` (``base`` drops everything; the cluster-wide roles are kept)."""
    _block_on(downgrade_async(database_url, revision))


async def _run(database_url: str, step: Any) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        with storage_errors("migrate the database"):
            async with engine.begin() as connection:
                await connection.run_sync(step)
    finally:
        await engine.dispose()


def _block_on(coroutine: Coroutine[Any, Any, None]) -> None:
    """``asyncio.run``, or the same on a helper thread when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=target, name="micropay-migrations")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
