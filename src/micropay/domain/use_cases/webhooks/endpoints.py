"""Registering and managing webhook endpoints (contract §9)."""

from __future__ import annotations

from typing import Any

import msgspec

from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model import webhook_params, webhooks
from micropay.domain.model.environment import Tenant
from micropay.domain.model.idempotency import IdempotencyBinding, IdempotencyClaim
from micropay.domain.model.webhook_urls import parse_target
from micropay.domain.model.webhooks import (
    ENDPOINT_PREFIX,
    EVENT_TYPES,
    MAX_ENDPOINTS,
    DisabledReason,
    EndpointStatus,
    WebhookEndpoint,
)
from micropay.domain.use_cases.webhooks.policy import WebhookPolicy
from micropay.domain.use_cases.webhooks.secrets import new_secret, open_live_secrets, seal_secret
from micropay.ports.clock import Clock
from micropay.ports.credential_vault import CredentialVault
from micropay.ports.id_generator import IdGenerator
from micropay.ports.random_source import RandomSource
from micropay.ports.webhook_endpoint_repository import StoredEndpoint
from micropay.ports.webhook_unit_of_work import WebhookUnitOfWork, WebhookUnitOfWorkFactory


class EndpointWithSecret(msgspec.Struct, frozen=True, kw_only=True):
    """An endpoint and its new signing secret (raw bytes): the one time the secret is shown."""

    endpoint: WebhookEndpoint
    secret: bytes

    def __repr__(self) -> str:
        return f"EndpointWithSecret(endpoint={self.endpoint!r}, secret=<hidden>)"

    __str__ = __repr__


async def _require(uow: WebhookUnitOfWork, endpoint_id: str, *, for_update: bool = False) -> StoredEndpoint:
    stored = await uow.webhook_endpoints.get(endpoint_id, for_update=for_update)
    if stored is None:
        raise ResourceMissing("webhook_endpoint", endpoint_id)
    return stored


class RegisterEndpoint:
    """Create an endpoint with a fresh 32-byte secret, sealed by the vault, returned once.

    Rules: the URL rules (``parse_target``: http/https, no credentials, <= 2048 characters, https for
    production, no private target unless allowed); ``enabled_events`` known types, ``*`` or ``prefix.*``;
    at most 16 endpoints per merchant and environment.

    With an ``idempotency`` claim the key is bound to the new endpoint in its own transaction, so a retry
    after a crash (once the key's lease has passed) gets that endpoint and its current secret back instead
    of registering a second one.
    """

    def __init__(
        self,
        uow: WebhookUnitOfWorkFactory,
        vault: CredentialVault,
        clock: Clock,
        ids: IdGenerator,
        random: RandomSource,
        policy: WebhookPolicy,
    ) -> None:
        self._uow, self._vault, self._clock, self._ids, self._random, self._policy = (
            uow,
            vault,
            clock,
            ids,
            random,
            policy,
        )

    async def __call__(
        self, tenant: Tenant, payload: dict[str, Any], *, idempotency: IdempotencyClaim | None = None
    ) -> EndpointWithSecret:
        target = parse_target(payload.get("url"), tenant.environment, allow_private=self._policy.allow_private)
        endpoint = WebhookEndpoint(
            id=self._ids.new_id(ENDPOINT_PREFIX),
            merchant_id=tenant.merchant_id,
            environment=tenant.environment,
            url=target.url,
            enabled_events=webhook_params.validate_enabled_events(payload.get("enabled_events"), EVENT_TYPES),
            description=webhook_params.validate_description(payload.get("description")),
            status=EndpointStatus.ENABLED,
            disabled_reason=None,
            created=int(self._clock.now()),
        )
        key = new_secret(self._random)
        async with self._uow(tenant) as uow:
            if idempotency is not None:
                bound = await uow.idempotency.bound(idempotency)
                if bound is not None:
                    return await self._resume(uow, bound.object_id)
                await uow.idempotency.bind(idempotency, IdempotencyBinding(object_id=endpoint.id))
            if len(await uow.webhook_endpoints.list(limit=MAX_ENDPOINTS)) >= MAX_ENDPOINTS:
                raise InvalidParameter("url", f"You may have at most {MAX_ENDPOINTS} webhook endpoints.")
            await uow.webhook_endpoints.put(
                StoredEndpoint(endpoint=endpoint, secrets=(seal_secret(self._vault, endpoint, key),))
            )
            await uow.commit()
        return EndpointWithSecret(endpoint=endpoint, secret=key)

    async def _resume(self, uow: WebhookUnitOfWork, endpoint_id: str) -> EndpointWithSecret:
        stored = await _require(uow, endpoint_id)
        live = open_live_secrets(self._vault, stored.endpoint, stored.secrets, int(self._clock.now()))
        # the current secret never expires (rotation puts it first and gives the others an expiry)
        current = max(live, key=lambda secret: secret.expires_at is None)
        return EndpointWithSecret(endpoint=stored.endpoint, secret=current.key)


class UpdateEndpoint:
    """Change ``url``, ``enabled_events``, ``description`` and/or ``disabled`` (given fields only).

    ``disabled: true`` disables it (``manual``); ``disabled: false`` re-enables it whatever the reason and
    forgets its failure streak; deliveries kept while disabled are not resent (that is ``recover``).
    """

    def __init__(self, uow: WebhookUnitOfWorkFactory, policy: WebhookPolicy) -> None:
        self._uow = uow
        self._policy = policy

    async def __call__(self, tenant: Tenant, endpoint_id: str, payload: dict[str, Any]) -> WebhookEndpoint:
        changes: dict[str, Any] = {}
        if "url" in payload:
            changes["url"] = parse_target(
                payload["url"], tenant.environment, allow_private=self._policy.allow_private
            ).url
        if "enabled_events" in payload:
            changes["enabled_events"] = webhook_params.validate_enabled_events(payload["enabled_events"], EVENT_TYPES)
        if "description" in payload:
            changes["description"] = webhook_params.validate_description(payload["description"])
        disabled = payload.get("disabled")
        if disabled is not None and not isinstance(disabled, bool):
            raise InvalidParameter("disabled", "disabled must be true or false.")
        async with self._uow(tenant) as uow:
            stored = await _require(uow, endpoint_id, for_update=True)
            endpoint = msgspec.structs.replace(stored.endpoint, **changes)
            if disabled is True and endpoint.enabled:
                endpoint = webhooks.disable(endpoint, DisabledReason.MANUAL)
            elif disabled is False and not endpoint.enabled:
                endpoint = webhooks.enable(endpoint)
            await uow.webhook_endpoints.put(msgspec.structs.replace(stored, endpoint=endpoint))
            await uow.commit()
        return endpoint


class RotateEndpointSecret:
    """A new secret, returned once; the current ones keep signing for ``expires_in`` seconds (0-24 h,
    default 24 h; 0 stops them at once). Secrets already expired are dropped."""

    def __init__(
        self, uow: WebhookUnitOfWorkFactory, vault: CredentialVault, clock: Clock, random: RandomSource
    ) -> None:
        self._uow, self._vault, self._clock, self._random = uow, vault, clock, random

    async def __call__(self, tenant: Tenant, endpoint_id: str, expires_in: object) -> EndpointWithSecret:
        overlap = webhook_params.validate_overlap(expires_in)
        now = int(self._clock.now())
        key = new_secret(self._random)
        async with self._uow(tenant) as uow:
            stored = await _require(uow, endpoint_id, for_update=True)
            kept = tuple(
                msgspec.structs.replace(s, expires_at=min(s.expires_at or now + overlap, now + overlap))
                for s in stored.secrets
                if overlap > 0 and (s.expires_at is None or s.expires_at > now)
            )
            fresh = seal_secret(self._vault, stored.endpoint, key)
            await uow.webhook_endpoints.put(msgspec.structs.replace(stored, secrets=(fresh, *kept)))
            await uow.commit()
        return EndpointWithSecret(endpoint=stored.endpoint, secret=key)


class GetEndpoint:
    def __init__(self, uow: WebhookUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant: Tenant, endpoint_id: str) -> WebhookEndpoint:
        async with self._uow(tenant) as uow:
            return (await _require(uow, endpoint_id)).endpoint


class ListEndpoints:
    """Newest first; returns ``limit + 1`` rows at most so the caller can tell ``has_more``."""

    def __init__(self, uow: WebhookUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant: Tenant, *, limit: int, starting_after: str | None) -> list[WebhookEndpoint]:
        async with self._uow(tenant) as uow:
            return await uow.webhook_endpoints.list(limit=limit + 1, starting_after=starting_after)


class DeleteEndpoint:
    """Remove the endpoint and its deliveries; returns what was removed."""

    def __init__(self, uow: WebhookUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant: Tenant, endpoint_id: str) -> WebhookEndpoint:
        async with self._uow(tenant) as uow:
            stored = await _require(uow, endpoint_id)
            await uow.webhook_endpoints.delete(endpoint_id)
            await uow.commit()
        return stored.endpoint
