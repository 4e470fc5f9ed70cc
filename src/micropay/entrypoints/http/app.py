"""``create_app``: the Litestar application, built around the dishka container."""

from __future__ import annotations

from typing import Any

from dishka import Provider
from dishka.integrations.litestar import setup_dishka
from litestar import Litestar
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, Schema, SecurityScheme
from litestar.typing import FieldDefinition

import micropay
from micropay.adapters.realtime import ManagedChangeFeed
from micropay.domain.errors import MicropayError
from micropay.entrypoints.container import make_container
from micropay.entrypoints.http import auth_models, schemas
from micropay.entrypoints.http.body_guard import json_body_guard
from micropay.entrypoints.http.cors import cors_middleware, parse_origins
from micropay.entrypoints.http.errors import (
    http_exception_handler,
    micropay_error_handler,
    unexpected_error_handler,
    validation_error_handler,
)
from micropay.entrypoints.http.guards import request_principal
from micropay.entrypoints.http.providers import http_providers
from micropay.entrypoints.http.request_context import configure_logging, request_id_middleware
from micropay.entrypoints.http.routes import (
    api_keys,
    credentials,
    events,
    examples,
    health,
    payment_intents,
    realtime,
    streams,
    webhooks,
)
from micropay.entrypoints.http.routes import dashboard as dashboard_routes
from micropay.entrypoints.http.routes import event_deliveries as event_delivery_routes
from micropay.entrypoints.http.routes import sessions as auth_sessions
from micropay.entrypoints.http.routes import users as auth_users
from micropay.entrypoints.http.routes import webhook_endpoints as webhook_endpoint_routes
from micropay.entrypoints.http.routes.api_reference import OfflineSwaggerRenderPlugin
from micropay.entrypoints.http.security_headers import security_headers_middleware
from micropay.entrypoints.read_routing import RouterSlot
from micropay.entrypoints.reconciler import MaintenanceLoop
from micropay.entrypoints.settings import Settings
from micropay.entrypoints.webhook_dispatcher import WebhookDispatcher
from micropay.ports.access_tokens import AccessTokenSigner
from micropay.ports.credential_vault import CredentialVault
from micropay.ports.password_hasher import PasswordHasher

DESCRIPTION = (
    "Stripe-like Payment Intents over Safaricom's M-Pesa Daraja STK Push. Authenticate with "
    "`Authorization: Bearer sk_test_…` (sandbox) or `sk_live_…` (production). Every POST under /v1 accepts "
    'an `Idempotency-Key`. Errors: `{"error": {type, code, message, param, request_id}}`.'
)


def create_app(settings: Settings | None = None, *overrides: Provider, configure_logs: bool = False) -> Litestar:
    """Build the app. Nothing connects until startup; ``overrides`` replace providers (tests, embedding).

    On startup it also starts the webhook dispatcher (unless ``webhook_dispatch`` is off) and the background
    maintenance loop, automatic reconciliation and pruning of expired
    idempotency records (unless ``reconcile_interval`` is 0); on shutdown it stops the loop before it closes
    the container.
    """
    settings = settings or Settings.from_env()
    if configure_logs:
        configure_logging(settings.log_level)
    cors_origins = parse_origins(settings.cors_origins)
    container = make_container(settings, *http_providers(), *overrides)

    async def check_vault() -> None:
        # A wrong or missing master key must stop the service at start-up, not at the first payment.
        await container.get(CredentialVault)

    async def start_change_feed() -> None:
        # One LISTEN connection per process on Postgres (nothing to connect on SQLite); contract §11.
        await (await container.get(ManagedChangeFeed)).start()
        await container.get(RouterSlot)  # with read replicas: their first health check, then one a second

    maintenance = MaintenanceLoop(
        container,
        interval=settings.reconcile_interval,
        older_than=settings.reconcile_after,
        unroutable_retention=settings.unroutable_callback_retention,
        event_retention_days=settings.event_retention_days,
    )

    async def check_sessions() -> None:
        # Likewise a missing access-token secret (MICROPAY_JWT_SECRET outside the embedded default); and the
        # password hasher's decoy hash is started now (in the background) rather than inside the first login.
        await container.get(AccessTokenSigner)
        await container.get(PasswordHasher)

    async def start_webhooks() -> None:
        # The webhook dispatcher runs in every API process unless the operator runs separate workers.
        if settings.webhook_dispatch:
            await (await container.get(WebhookDispatcher)).start()

    async def stop_webhooks() -> None:
        if settings.webhook_dispatch:
            await (await container.get(WebhookDispatcher)).stop()

    app = Litestar(
        route_handlers=[
            *payment_intents.ROUTES,
            *credentials.ROUTES,
            *api_keys.ROUTES,
            *webhooks.ROUTES,
            *webhook_endpoint_routes.ROUTES,
            *event_delivery_routes.ROUTES,
            *health.ROUTES,
            *auth_sessions.ROUTES,
            *auth_users.ROUTES,
            *events.ROUTES,
            *realtime.ROUTES,
            *streams.ROUTES,
            *examples.ROUTES,
            *dashboard_routes.ROUTES,
        ],
        dependencies={"principal": Provide(request_principal)},
        exception_handlers={
            MicropayError: micropay_error_handler,
            ValidationException: validation_error_handler,
            HTTPException: http_exception_handler,
            Exception: unexpected_error_handler,
        },
        on_startup=[check_vault, check_sessions, maintenance.start, start_change_feed, start_webhooks],
        on_shutdown=[maintenance.stop, stop_webhooks, container.close],
        openapi_config=OpenAPIConfig(
            title="Micropay",
            version=micropay.__version__,
            description=DESCRIPTION,
            path="/schema",
            render_plugins=[OfflineSwaggerRenderPlugin()],
            security=[{"BearerAuth": []}],
            components=Components(
                security_schemes={
                    "BearerAuth": SecurityScheme(
                        type="http", scheme="bearer", description="sk_test_/sk_live_ (or pk_ where allowed)"
                    )
                }
            ),
        ),
        debug=False,
        logging_config=None,
        plugins=[_ClosedBodySchemaPlugin()],
    )
    setup_dishka(container, app)
    guarded = json_body_guard(app.asgi_handler, max_bytes=settings.http_max_body_bytes)
    app.asgi_handler = request_id_middleware(security_headers_middleware(cors_middleware(guarded, cors_origins)))
    return app


class _ClosedBodySchemaPlugin(StructSchemaPlugin):
    """Unknown body fields are refused (``parameter_unknown``): the schema says so (``additionalProperties:
    false``) for every request body Struct that forbids them. A schema plugin, so the OpenAPI document is still
    built on first use (``/schema``), not at start-up: building it there took most of ``create_app``."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        if struct.__module__ in _BODY_MODULES and struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        return schema


_BODY_MODULES = frozenset({schemas.__name__, auth_models.__name__})


def app_factory() -> Any:
    """For ``uvicorn --factory micropay.entrypoints.http.app:app_factory``."""
    return create_app(configure_logs=True)
