"""``INSERT … ON CONFLICT`` for the two dialects we run on (both speak the same SQL for it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect_name: str, table: Table) -> Any:
    """A dialect insert that has ``on_conflict_do_nothing``/``on_conflict_do_update``."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    if dialect_name == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"Unsupported dialect {dialect_name!r}")
