from __future__ import annotations

from typing import Protocol

import msgspec

from micropay.domain.model.environment import Tenant


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    tenant: Tenant
    delivery_id: str
    endpoint_id: str
    lease_token: str


class DeliveryQueue(Protocol):
    """The due deliveries of every tenant, shared by any number of dispatching processes.

    ``claim`` is atomic: each due delivery is leased to exactly one caller until ``lease_until``; a
    delivery whose lease ran out (its process died) is due again.
    """

    async def claim(self, *, now: int, lease_until: int, limit: int, lease_token: str) -> list[Claim]:
        """Lease up to ``limit`` pending deliveries due at ``now`` whose lease is free or expired."""
        ...

    async def release(self, claims: list[Claim], *, until: int) -> None:
        """Give leased deliveries back without an attempt (shutdown, a busy endpoint); they are due again at
        ``until``. Only leases still held by the claims' tokens are touched."""
        ...
