"""The webhook part of the composition root: adapters, use cases and the dispatcher, wired with dishka."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.delivery_queue import SqlaDeliveryQueue
from micropay.adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from micropay.adapters.persistence.webhook_secret_directory import SqlaWebhookSecretDirectory
from micropay.adapters.system.random_source import SystemRandomSource
from micropay.adapters.webhooks.sender import HttpxWebhookSender, make_webhook_client
from micropay.domain.use_cases.webhooks.deliver import AttemptDelivery
from micropay.domain.use_cases.webhooks.endpoints import (
    DeleteEndpoint,
    GetEndpoint,
    ListEndpoints,
    RegisterEndpoint,
    RotateEndpointSecret,
    UpdateEndpoint,
)
from micropay.domain.use_cases.webhooks.log import ListDeliveries, RecoverEndpoint, RetryEvent
from micropay.domain.use_cases.webhooks.policy import WebhookPolicy
from micropay.domain.use_cases.webhooks.rotate_vault import RotateWebhookSecrets
from micropay.entrypoints.settings import Settings
from micropay.entrypoints.webhook_dispatcher import WebhookDispatcher
from micropay.ports.clock import Clock
from micropay.ports.delivery_queue import DeliveryQueue
from micropay.ports.id_generator import IdGenerator
from micropay.ports.random_source import RandomSource
from micropay.ports.webhook_secret_directory import WebhookSecretDirectory
from micropay.ports.webhook_sender import WebhookSender
from micropay.ports.webhook_unit_of_work import WebhookUnitOfWorkFactory


def lease_seconds(settings: Settings) -> int:
    """A lease outlives the attempt's whole time budget by the margin before another process may take over."""
    return math.ceil(settings.webhook_timeout) + settings.webhook_lease_margin


class WebhookProvider(Provider):
    scope = Scope.APP

    @provide
    def policy(self, settings: Settings) -> WebhookPolicy:
        return WebhookPolicy(
            allow_private=settings.webhooks_allow_private,
            lease_seconds=lease_seconds(settings),
        )

    @provide
    def random(self) -> RandomSource:
        return SystemRandomSource()

    @provide
    def webhook_uow(self, engine: AsyncEngine) -> WebhookUnitOfWorkFactory:
        return SqlaUnitOfWorkFactory(engine)

    @provide
    def queue(self, engine: AsyncEngine) -> DeliveryQueue:
        return SqlaDeliveryQueue(engine)

    @provide
    def secret_directory(self, engine: AsyncEngine) -> WebhookSecretDirectory:
        return SqlaWebhookSecretDirectory(engine)

    @provide
    async def sender(self, clock: Clock, settings: Settings) -> AsyncIterator[WebhookSender]:
        """With a client of its own: no redirects, no proxies, the webhook timeout (never Daraja's client)."""
        client = make_webhook_client(settings.webhook_timeout)
        yield HttpxWebhookSender(client, clock, timeout=settings.webhook_timeout)
        await client.aclose()

    attempt = provide(AttemptDelivery)

    @provide
    def dispatcher(
        self, queue: DeliveryQueue, attempt: AttemptDelivery, clock: Clock, ids: IdGenerator, settings: Settings
    ) -> WebhookDispatcher:
        return WebhookDispatcher(
            queue,
            attempt,
            clock,
            ids,
            lease_seconds=lease_seconds(settings),
            concurrency=settings.webhook_concurrency,
            per_endpoint=settings.webhook_per_endpoint,
            poll_interval=settings.webhook_poll_interval,
            grace=settings.webhook_timeout,
        )


class WebhookUseCaseProvider(Provider):
    scope = Scope.REQUEST

    register = provide(RegisterEndpoint)
    update = provide(UpdateEndpoint)
    rotate_secret = provide(RotateEndpointSecret)
    get = provide(GetEndpoint)
    list_endpoints = provide(ListEndpoints)
    delete = provide(DeleteEndpoint)
    list_deliveries = provide(ListDeliveries)
    retry = provide(RetryEvent)
    recover = provide(RecoverEndpoint)
    rotate_vault = provide(RotateWebhookSecrets)
