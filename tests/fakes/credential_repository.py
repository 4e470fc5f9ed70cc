"""The fake ``CredentialRepository``: one sealed row per tenant."""

from __future__ import annotations

import msgspec

from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.credential_vault import Sealed
from tests.fakes.database import SchemaViolation
from tests.fakes.session import Session


class FakeCredentialRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def get(self) -> StoredCredentials | None:
        self._s.check()
        tenant = self._s.tenant
        if tenant in self._s.staging.credentials:
            return self._s.staging.credentials[tenant]
        return self._s.db.credentials.get(tenant)

    async def put(self, stored: StoredCredentials) -> None:
        self._s.check()
        if stored.view.environment != self._s.tenant.environment:
            raise SchemaViolation("credentials of another environment stored under this tenant")
        self._s.staging.credentials[self._s.tenant] = stored

    async def reseal(self, expected_key_id: str, sealed: Sealed) -> bool:
        current = await self.get()
        if current is None or current.sealed.key_id != expected_key_id:
            return False
        self._s.staging.credentials[self._s.tenant] = msgspec.structs.replace(current, sealed=sealed)
        return True

    async def delete(self) -> bool:
        existed = await self.get() is not None
        self._s.staging.credentials[self._s.tenant] = None
        return existed
