"""Alembic environment: the connection comes from ``micropay.adapters.persistence.migrate``."""

from __future__ import annotations

from alembic import context

from micropay.adapters.persistence.migrate import VERSION_TABLE
from micropay.adapters.persistence.rows import MicropayBase

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run the migrations with micropay.adapters.persistence.upgrade(database_url).")

context.configure(
    connection=connection,
    target_metadata=MicropayBase.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
