"""``GET /v1/api_keys``: the environment's working keys, by display prefix only (contract §10)."""

from __future__ import annotations

from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.environment import Tenant
from micropay.ports.clock import Clock
from micropay.ports.unit_of_work import UnitOfWorkFactory


class ListApiKeys:
    """Secret then publishable keys that still work (a rolled key in its overlap shows its ``expires_at``),
    oldest first within a type. Never a key, only its prefix."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, tenant: Tenant) -> list[ApiKey]:
        now = self._clock.now()
        async with self._uow(tenant) as uow:
            return [
                key for kind in (KeyType.SECRET, KeyType.PUBLISHABLE) for key in await uow.api_keys.active(kind, now)
            ]
