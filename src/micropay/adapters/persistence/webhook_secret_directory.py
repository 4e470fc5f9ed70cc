"""Which tenants hold webhook secrets sealed under an old master key (for ``micropay vault rotate``).

On Postgres the SECURITY DEFINER function of migration 0009 (it returns tenants only); on SQLite a plain query.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.errors import storage_errors
from micropay.domain.model.environment import Environment, Tenant
from micropay.ports.webhook_secret_directory import WebhookSecretDirectory

_PG: Final = text("SELECT * FROM micropay_webhook_secret_tenants(:key_id)")
_LITE: Final = text(
    "SELECT DISTINCT e.merchant_id, e.environment FROM micropay_webhook_endpoints AS e, json_each(e.secrets) AS s"
    " WHERE json_extract(s.value, '$.key_id') <> :key_id ORDER BY e.merchant_id, e.environment"
)


class SqlaWebhookSecretDirectory(WebhookSecretDirectory):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._statement = _PG if engine.dialect.name == "postgresql" else _LITE

    async def tenants_with_secrets_not_under(self, key_id: str) -> list[Tenant]:
        with storage_errors("list tenants with webhook secrets to re-seal"):
            async with self._engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                rows = (await connection.execute(self._statement, {"key_id": key_id})).mappings().all()
        return [Tenant(merchant_id=row["merchant_id"], environment=Environment(row["environment"])) for row in rows]
