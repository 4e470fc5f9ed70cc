"""One attempt of one delivery: lease, sign, send, record (contract §9)."""

from __future__ import annotations

import logging

import msgspec

from micropay.domain.model import webhooks
from micropay.domain.model.environment import Tenant
from micropay.domain.model.webhooks import AttemptRecord, WebhookDelivery, WebhookEndpoint
from micropay.domain.use_cases.webhooks.policy import WebhookPolicy
from micropay.domain.use_cases.webhooks.secrets import open_live_secrets
from micropay.ports.clock import Clock
from micropay.ports.credential_vault import CredentialVault, VaultError
from micropay.ports.random_source import RandomSource
from micropay.ports.webhook_sender import SendOutcome, WebhookMessage, WebhookSender
from micropay.ports.webhook_unit_of_work import WebhookUnitOfWorkFactory

log = logging.getLogger(__name__)


class AttemptResult(msgspec.Struct, frozen=True, kw_only=True):
    delivery: WebhookDelivery
    outcome: SendOutcome | None  # None: nothing was sent (endpoint disabled or gone)
    recorded: bool  # False: the lease was lost meanwhile, another process owns the delivery now


class AttemptDelivery:
    """Make one attempt of a delivery whose lease ``lease_token`` holds (or, ``manual``, takes).

    Rules: a delivery of a deleted or disabled endpoint is not sent; an automatic one is kept as ``failed``
    (re-enabling does not resend it; ``recover`` does). The signature covers the stored body with every secret
    live now. The outcome moves the delivery and endpoint by ``webhooks.after_attempt``, recorded only while the
    lease is still ours (a compare-and-swap): a process presumed dead cannot overwrite its successor.
    No database transaction is open while the receiver is called.
    """

    def __init__(
        self,
        uow: WebhookUnitOfWorkFactory,
        vault: CredentialVault,
        sender: WebhookSender,
        clock: Clock,
        random: RandomSource,
        policy: WebhookPolicy,
    ) -> None:
        self._uow, self._vault, self._sender, self._clock, self._random, self._policy = (
            uow,
            vault,
            sender,
            clock,
            random,
            policy,
        )

    async def __call__(
        self, tenant: Tenant, delivery_id: str, lease_token: str, *, manual: bool = False
    ) -> AttemptResult | None:
        now = int(self._clock.now())
        async with self._uow(tenant) as uow:
            due = await uow.webhook_deliveries.take(
                delivery_id, lease_token, now=now, lease_until=now + self._policy.lease_seconds, fresh=manual
            )
            if due is None:
                return None
            stored = await uow.webhook_endpoints.get(due.delivery.endpoint_id)
            if stored is None or (not stored.endpoint.enabled and not manual):
                kept = webhooks.kept_while_disabled(due.delivery)
                recorded = await uow.webhook_deliveries.finish(kept, None, lease_token)
                await uow.commit()
                return AttemptResult(delivery=kept, outcome=None, recorded=recorded)
            await uow.commit()
        try:
            secrets = open_live_secrets(self._vault, stored.endpoint, stored.secrets, now)
        except VaultError:
            log.error("webhook endpoint %s: a signing secret does not open with the vault", stored.endpoint.id)
            secrets = ()
        if secrets:
            message = WebhookMessage(
                url=stored.endpoint.url, message_id=due.delivery.event_id, timestamp=now, body=due.body, secrets=secrets
            )
            outcome = await self._sender.send(message, allow_private=self._policy.allow_private)
        else:
            outcome = SendOutcome(http_status=None, duration_ms=0, error="no signing secret could be opened")
        return await self._record(tenant, due.delivery, stored.endpoint, outcome, lease_token, now=now, manual=manual)

    async def _record(
        self,
        tenant: Tenant,
        delivery: WebhookDelivery,
        endpoint_then: WebhookEndpoint,
        outcome: SendOutcome,
        token: str,
        *,
        now: int,
        manual: bool,
    ) -> AttemptResult:
        attempt = AttemptRecord(
            created=now,
            http_status=outcome.http_status,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            response_excerpt=outcome.response_excerpt,
        )
        finished_at = int(self._clock.now())
        jitter = self._random.jitter()

        def after_this(endpoint: WebhookEndpoint) -> tuple[WebhookDelivery, WebhookEndpoint]:
            return webhooks.after_attempt(
                delivery,
                endpoint,
                outcome.http_status,
                now=finished_at,
                jitter=jitter,
                retry_after=outcome.retry_after,
                manual=manual,
            )

        after, _ = after_this(endpoint_then)  # the delivery's part does not depend on the endpoint's state
        async with self._uow(tenant) as uow:
            # The delivery first: its compare-and-swap is also what takes SQLite's write lock at once.
            recorded = await uow.webhook_deliveries.finish(after, attempt, token)
            if recorded:
                # locked: concurrent attempts to one endpoint must not lose each other's streak updates
                stored = await uow.webhook_endpoints.get(delivery.endpoint_id, for_update=True)
                if stored is not None:
                    _, endpoint = after_this(stored.endpoint)
                    if endpoint != stored.endpoint:
                        await uow.webhook_endpoints.put(msgspec.structs.replace(stored, endpoint=endpoint))
                await uow.commit()
        if not recorded:
            log.warning("webhook delivery %s: lease lost during the attempt; not recorded here", delivery.id)
        return AttemptResult(delivery=after, outcome=outcome, recorded=recorded)
