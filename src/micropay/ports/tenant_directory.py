from __future__ import annotations

from typing import Any, Protocol

import msgspec

from micropay.domain.model.api_keys import ApiKey
from micropay.domain.model.environment import Tenant


class CallbackRoute(msgspec.Struct, frozen=True, kw_only=True):
    """Where a callback token leads: the tenant, the intent and the STK push it was issued for."""

    tenant: Tenant
    intent_id: str
    push_id: str


class StuckIntent(msgspec.Struct, frozen=True, kw_only=True):
    """A ``processing`` intent that has not moved for a while: whose it is and its id, nothing more."""

    tenant: Tenant
    intent_id: str


class TenantDirectory(Protocol):
    """The narrow, explicit lookups made before the tenant is known.

    These are the only reads that cross tenants, each by an unguessable hash (or, for ``credential_tenants``
    and ``stuck_intents``, revealing only tenants and ids): on Postgres they go through SECURITY DEFINER
    functions instead of a privileged connection. Raises ``StorageUnavailable``.
    """

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        """The key with this SHA-256 hash, active or not (the caller checks expiry and revocation)."""
        ...

    async def route_callback(self, token_hash: str) -> CallbackRoute | None:
        """The push that issued the callback token with this hash, or None for an unknown token."""
        ...

    async def credential_tenants(self, *, not_key_id: str) -> list[Tenant]:
        """Tenants whose stored Daraja credentials are sealed under a key other than ``not_key_id``.

        Used by key rotation; it reveals only which tenants need re-encryption, never a credential.
        """
        ...

    async def stuck_intents(self, *, updated_before: int, limit: int) -> list[StuckIntent]:
        """Intents of every tenant in status ``processing`` neither updated nor asked about since the cutoff.

        That is: whose last activity, the time Daraja was last asked about it (``mark_reconciled``) or else
        its ``updated``, is <= ``updated_before``. Least recent activity first (ties by id), at most
        ``limit``, so that intents Daraja keeps calling pending go to the back of the queue. Used by the
        automatic reconciliation; it reveals only tenants and intent ids, the caller reads the intent itself
        inside its tenant.
        """
        ...

    async def record_unroutable_callback(self, token_hint: str, body: Any, received_at: int) -> None:
        """Keep a callback whose token matched nothing (only the token's first 6 characters are kept).

        Bounded, since anyone can post one: a body over a few KB is kept as an excerpt with its size and
        SHA-256 (``unroutable.keepable``), and past the adapter's budget (rows received in the last 60 s,
        across every process) nothing more is stored until the minute has passed.
        """
        ...

    async def prune_unroutable_callbacks(self, *, received_before: int, limit: int) -> int:
        """Delete at most ``limit`` unroutable callbacks received before the cutoff, oldest first; how many."""
        ...
