"""The composition root: the one place that knows every adapter, wired with dishka.

APP scope: settings, the engine and persistence adapters, the shared httpx client, the vault, the
circuit-breaking Daraja gateway, clock, ids. REQUEST scope: the use cases (stateless, cheap to build).
Units of work are per transaction, created by the use cases through ``UnitOfWorkFactory``, because a
confirm spans two transactions around the call to Daraja.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from dishka import AsyncContainer, Provider, Scope, make_async_container, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.daraja.breaker import BreakingDarajaGateway
from micropay.adapters.daraja.callback_parser import DarajaCallbackParser
from micropay.adapters.daraja.client import make_daraja_client
from micropay.adapters.daraja.gateway import HttpxDarajaGateway
from micropay.adapters.persistence.bundle import Persistence, build_persistence
from micropay.adapters.persistence.engine import create_engine
from micropay.adapters.realtime import ManagedChangeFeed, build_change_feed
from micropay.adapters.system import SecureIdGenerator, Sha256CallbackTokenIssuer, SystemClock
from micropay.adapters.vault import AesGcmVault, ensure_local_key_file, load_master_keys
from micropay.domain.model.credentials import DarajaCredentials, TransactionType
from micropay.domain.model.environment import Environment
from micropay.domain.use_cases.api_keys import Authenticate, CreateMerchant, RollApiKey
from micropay.domain.use_cases.cancel_intent import CancelPaymentIntent
from micropay.domain.use_cases.confirm_intent import ConfirmPaymentIntent
from micropay.domain.use_cases.create_and_confirm import CreateAndConfirm
from micropay.domain.use_cases.create_intent import CreatePaymentIntent
from micropay.domain.use_cases.credentials import (
    CredentialResolver,
    DeleteCredentials,
    GetCredentials,
    RotateVaultKeys,
    SetCredentials,
)
from micropay.domain.use_cases.events import GetEvent, ListEvents, ListIntentEvents
from micropay.domain.use_cases.handle_callback import HandleCallback
from micropay.domain.use_cases.prune_events import PruneEvents
from micropay.domain.use_cases.prune_idempotency import PruneIdempotencyRecords
from micropay.domain.use_cases.prune_unroutable import PruneUnroutableCallbacks
from micropay.domain.use_cases.queries import GetPaymentIntent, ListAttempts, ListPaymentIntents
from micropay.domain.use_cases.reconcile_intent import ReconcilePaymentIntent
from micropay.domain.use_cases.reconcile_stuck import ReconcileStuckPayments
from micropay.domain.use_cases.stream_events import OpenEventStream
from micropay.domain.use_cases.wait_for_intent import WaitForPaymentIntent
from micropay.entrypoints.read_routing import (
    KeyRollProvider,
    ReadRoutingProvider,
    RoutedReadsProvider,
    RouterSlot,
    announce_commits,
    read_directory,
)
from micropay.entrypoints.settings import LOCAL_KEY_FILE, Settings, SettingsError
from micropay.ports.callback_parser import CallbackParser
from micropay.ports.callback_tokens import CallbackTokenIssuer
from micropay.ports.change_feed import ChangeFeed
from micropay.ports.clock import Clock
from micropay.ports.credential_vault import CredentialVault
from micropay.ports.daraja_gateway import DarajaGateway
from micropay.ports.event_pruner import EventPruner
from micropay.ports.id_generator import IdGenerator
from micropay.ports.idempotency_store import IdempotencyStore
from micropay.ports.tenant_directory import TenantDirectory
from micropay.ports.unit_of_work import UnitOfWorkFactory


def build_vault(settings: Settings) -> AesGcmVault:
    """The master key: MICROPAY_VAULT_KEY, else MICROPAY_VAULT_KEY_FILE, else (embedded only) the local key file."""
    current = settings.vault_key
    if current is None and settings.vault_key_file is not None:
        current = ensure_local_key_file(Path(settings.vault_key_file))
    if current is None:
        if not settings.is_embedded:
            raise SettingsError(
                "MICROPAY_VAULT_KEY is required with a Postgres database: base64 of 32 random bytes "
                '(make one with: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())").'
            )
        current = ensure_local_key_file(Path(LOCAL_KEY_FILE))
    return AesGcmVault(load_master_keys(current, settings.vault_old_keys))


def default_sandbox_credentials(settings: Settings) -> DarajaCredentials | None:
    if not settings.sandbox_consumer_key or not settings.sandbox_consumer_secret:
        return None
    return DarajaCredentials(
        consumer_key=settings.sandbox_consumer_key,
        consumer_secret=settings.sandbox_consumer_secret,
        business_short_code=settings.sandbox_shortcode,
        passkey=settings.sandbox_passkey,
        transaction_type=TransactionType.PAYBILL,
    )


class InfrastructureProvider(Provider):
    """Everything built once per process."""

    scope = Scope.APP

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._settings = settings

    @provide
    def settings(self) -> Settings:
        return self._settings

    @provide
    def clock(self) -> Clock:
        return SystemClock()

    @provide
    def ids(self) -> IdGenerator:
        return SecureIdGenerator()

    @provide
    def parser(self) -> CallbackParser:
        return DarajaCallbackParser()

    @provide
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        yield engine
        await engine.dispose()

    @provide
    async def managed_change_feed(self, settings: Settings) -> AsyncIterator[ManagedChangeFeed]:
        """Built here, started by the HTTP app (CLI commands never listen); stopped when the container closes."""
        feed = build_change_feed(settings.database_url, settings.listen_database_url)
        yield feed
        await feed.stop()

    @provide
    def change_feed(self, managed: ManagedChangeFeed) -> ChangeFeed:
        return managed

    @provide
    def persistence(self, engine: AsyncEngine, feed: ChangeFeed, settings: Settings, slot: RouterSlot) -> Persistence:
        return build_persistence(
            engine,
            after_commit=announce_commits(feed, slot),
            unroutable_budget=settings.unroutable_callback_budget,
        )

    @provide
    def uow_factory(self, persistence: Persistence) -> UnitOfWorkFactory:
        return persistence.uow_factory

    @provide
    def directory(
        self, persistence: Persistence, slot: RouterSlot, feed: ManagedChangeFeed, settings: Settings
    ) -> TenantDirectory:
        # With replicas: key lookups on a replica while the primary is down; on Postgres: the key cache.
        return read_directory(persistence.tenant_directory, slot, feed, settings)

    @provide
    def idempotency_store(self, persistence: Persistence) -> IdempotencyStore:
        return persistence.idempotency_store

    @provide
    def event_pruner(self, persistence: Persistence) -> EventPruner:
        return persistence.event_pruner

    @provide
    async def http_client(self, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
        client = make_daraja_client(
            connect_timeout=settings.daraja_connect_timeout, read_timeout=settings.daraja_read_timeout
        )
        yield client
        await client.aclose()

    @provide
    def breaking_gateway(self, client: httpx.AsyncClient, clock: Clock, settings: Settings) -> BreakingDarajaGateway:
        urls = {
            Environment.SANDBOX: settings.daraja_sandbox_url,
            Environment.PRODUCTION: settings.daraja_production_url,
        }
        return BreakingDarajaGateway(HttpxDarajaGateway(client, urls, clock), clock)

    @provide
    def gateway(self, breaking: BreakingDarajaGateway) -> DarajaGateway:
        return breaking

    @provide
    def vault(self, settings: Settings) -> CredentialVault:
        return build_vault(settings)

    @provide
    def tokens(self, settings: Settings) -> CallbackTokenIssuer:
        return Sha256CallbackTokenIssuer(settings.public_url)

    @provide
    def credential_resolver(self, vault: CredentialVault, settings: Settings) -> CredentialResolver:
        return CredentialResolver(vault, default_sandbox_credentials(settings))

    authenticate = provide(Authenticate)


class UseCaseProvider(Provider):
    """The use cases, built per request from the APP-scoped ports."""

    scope = Scope.REQUEST

    create = provide(CreatePaymentIntent)
    create_and_confirm = provide(CreateAndConfirm)
    confirm = provide(ConfirmPaymentIntent)
    cancel = provide(CancelPaymentIntent)
    reconcile = provide(ReconcilePaymentIntent)
    reconcile_stuck = provide(ReconcileStuckPayments)
    prune_idempotency = provide(PruneIdempotencyRecords)
    prune_unroutable = provide(PruneUnroutableCallbacks)
    retrieve = provide(GetPaymentIntent)
    list_intents = provide(ListPaymentIntents)
    list_attempts = provide(ListAttempts)
    callback = provide(HandleCallback)
    set_credentials = provide(SetCredentials)
    get_credentials = provide(GetCredentials)
    delete_credentials = provide(DeleteCredentials)
    roll_key = provide(RollApiKey)
    create_merchant = provide(CreateMerchant)
    rotate = provide(RotateVaultKeys)
    get_event = provide(GetEvent)
    list_events = provide(ListEvents)
    list_intent_events = provide(ListIntentEvents)
    prune_events = provide(PruneEvents)
    wait = provide(WaitForPaymentIntent)
    open_stream = provide(OpenEventStream)


def make_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    """The container the CLI and embedding use (no HTTP object in it); ``create_app`` adds the HTTP layer's
    providers first. ``overrides`` (later wins) let tests swap any adapter, e.g. a fake gateway."""
    from micropay.entrypoints.accounts_provider import AccountsProvider
    from micropay.entrypoints.webhook_container import WebhookProvider, WebhookUseCaseProvider

    return make_async_container(
        InfrastructureProvider(settings),
        UseCaseProvider(),
        AccountsProvider(),
        WebhookProvider(),
        WebhookUseCaseProvider(),
        ReadRoutingProvider(),
        RoutedReadsProvider(),
        KeyRollProvider(),
        *overrides,
    )
