"""Sealed Daraja credentials on SQL, one row per tenant (upserted)."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.mapping import credentials_from_domain, credentials_to_domain
from micropay.adapters.persistence.pg_driver import PgDriver, select_sql
from micropay.adapters.persistence.rows import CREDENTIALS
from micropay.adapters.persistence.upsert import insert_for
from micropay.domain.model.environment import Tenant
from micropay.ports.credential_repository import CredentialRepository, StoredCredentials
from micropay.ports.credential_vault import Sealed

_C = CREDENTIALS.c
_IN_TENANT: Final = (_C.merchant_id == bindparam("t_merchant"), _C.environment == bindparam("t_env"))
_GET: Final = select(CREDENTIALS).where(*_IN_TENANT)
_PG_GET: Final = select_sql(CREDENTIALS, ("merchant_id", "environment"))
_DELETE: Final = delete(CREDENTIALS).where(*_IN_TENANT)
_VALUE_COLUMNS: Final = tuple(c.name for c in CREDENTIALS.columns if c.name not in {"merchant_id", "environment"})


def _upsert(dialect_name: str) -> Any:
    statement = insert_for(dialect_name, CREDENTIALS)
    return statement.on_conflict_do_update(
        index_elements=[_C.merchant_id, _C.environment],
        set_={name: statement.excluded[name] for name in _VALUE_COLUMNS},
    )


_UPSERTS: Final = {name: _upsert(name) for name in ("postgresql", "sqlite")}
_RESEAL: Final = (
    update(CREDENTIALS)
    .where(*_IN_TENANT, _C.key_id == bindparam("t_expected_key_id"))
    .values(encrypted_blob=bindparam("v_blob"), iv=bindparam("v_iv"), key_id=bindparam("v_key_id"))
)


class SqlaCredentialRepository(CredentialRepository):
    def __init__(self, connection: AsyncConnection, tenant: Tenant, driver: PgDriver | None = None) -> None:
        self._connection = connection
        self._driver = driver
        self._tenant_obj = tenant
        self._tenant = {"t_merchant": tenant.merchant_id, "t_env": tenant.environment.value}

    async def get(self) -> StoredCredentials | None:
        if self._driver is not None:
            found = await self._driver.fetchrow("read credentials", _PG_GET, *self._tenant.values())
            return credentials_to_domain(found) if found is not None else None
        with storage_errors("read credentials"):
            result = await self._connection.execute(_GET, self._tenant)
            row = result.mappings().first()
        return credentials_to_domain(row) if row is not None else None

    async def put(self, stored: StoredCredentials) -> None:
        values = credentials_from_domain(self._tenant_obj.merchant_id, self._tenant_obj.environment, stored)
        with storage_errors("store credentials"):
            await self._connection.execute(_UPSERTS[self._connection.dialect.name], values)

    async def reseal(self, expected_key_id: str, sealed: Sealed) -> bool:
        params = {"t_expected_key_id": expected_key_id, "v_blob": sealed.encrypted_blob, "v_iv": sealed.iv}
        with storage_errors("re-seal credentials"):
            result = await self._connection.execute(_RESEAL, {**params, "v_key_id": sealed.key_id, **self._tenant})
        return result.rowcount == 1

    async def delete(self) -> bool:
        with storage_errors("delete credentials"):
            result = await self._connection.execute(_DELETE, self._tenant)
        return result.rowcount > 0
