"""Setting the tenant of a Postgres transaction: what the row-level security policies read."""

from __future__ import annotations

from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.domain.model.environment import Tenant

MERCHANT_SETTING: Final = "micropay.merchant_id"
ENVIRONMENT_SETTING: Final = "micropay.environment"

# Both settings in one round trip; ``true`` makes them local to the transaction, so a pooled connection
# never carries one tenant into the next transaction.
_SET_TENANT: Final = text(
    f"SELECT set_config('{MERCHANT_SETTING}', :merchant_id, true),"
    f" set_config('{ENVIRONMENT_SETTING}', :environment, true)"
)


async def set_tenant(connection: AsyncConnection, tenant: Tenant) -> None:
    """No-op on SQLite (no row-level security there; the repositories filter by tenant on every backend)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(
            _SET_TENANT, {"merchant_id": tenant.merchant_id, "environment": tenant.environment.value}
        )
