"""Typed settings, read from the environment (and a ``.env`` file if present) only when asked."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Final, Literal

import msgspec

SANDBOX_URL: Final = "https://sandbox.safaricom.co.ke"
PRODUCTION_URL: Final = "https://api.safaricom.co.ke"
EMBEDDED_DATABASE_URL: Final = "sqlite+aiosqlite:///./micropay.db"
#: Safaricom's published sandbox passkey for shortcode 174379 (public test data, not a secret).
PUBLIC_SANDBOX_PASSKEY: Final = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
LOCAL_KEY_FILE: Final = ".micropay/vault.key"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable, never its value."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = EMBEDDED_DATABASE_URL
    vault_key: str | None = None
    vault_old_keys: str | None = None
    vault_key_file: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    daraja_sandbox_url: str = SANDBOX_URL
    daraja_production_url: str = PRODUCTION_URL
    sandbox_consumer_key: str | None = None
    sandbox_consumer_secret: str | None = None
    sandbox_shortcode: str = "174379"
    sandbox_passkey: str = PUBLIC_SANDBOX_PASSKEY
    daraja_connect_timeout: float = 5.0
    daraja_read_timeout: float = 20.0
    db_pool_size: int = 20
    log_level: str = "INFO"
    #: Seconds between two passes of the automatic reconciliation (0 turns it off).
    reconcile_interval: Annotated[float, msgspec.Meta(ge=0)] = 60.0
    #: Seconds an intent must have been ``processing`` before the automatic reconciliation asks Daraja.
    reconcile_after: Annotated[int, msgspec.Meta(ge=0)] = 60
    #: The HTTP server's own limits (docs/operations.md "HTTP server limits", ADR 0013).
    http_max_body_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 1024 * 1024
    http_max_header_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 16 * 1024
    http_max_headers: Annotated[int, msgspec.Meta(ge=8)] = 100
    http_header_timeout: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    http_body_timeout: Annotated[float, msgspec.Meta(gt=0)] = 30.0
    http_keep_alive_timeout: Annotated[int, msgspec.Meta(ge=1)] = 5
    http_max_connections: Annotated[int, msgspec.Meta(ge=1)] = 1000
    #: Unroutable callbacks (unknown URL token) stored per rolling minute across every process, and how many
    #: seconds they are kept before the maintenance loop prunes them (docs/operations.md).
    unroutable_callback_budget: Annotated[int, msgspec.Meta(ge=0)] = 10
    unroutable_callback_retention: Annotated[int, msgspec.Meta(ge=3600)] = 7 * 24 * 3600
    #: The access-token (JWT) secret; required outside the embedded default (see docs/auth.md).
    jwt_secret: str | None = None
    #: ``open``: ``POST /v1/auth/signup`` creates merchants; ``closed`` (default): it answers 403.
    signup: Literal["open", "closed"] = "closed"
    #: Days an event is kept before the maintenance loop deletes it (at least 1).
    event_retention_days: Annotated[int, msgspec.Meta(ge=1)] = 30
    #: Origins (comma-separated) that may call every route from a browser; the publishable-key routes
    #: (retrieve, confirm, wait, stream) answer any origin regardless.
    cors_origins: str = ""
    #: A session-mode connection for the change feed's LISTEN when MICROPAY_DATABASE_URL is a transaction pooler.
    listen_database_url: str | None = None
    #: Open event streams per merchant (and environment) in one process; past it, 429.
    max_streams_per_merchant: Annotated[int, msgspec.Meta(ge=1)] = 20
    #: Seconds between two keep-alive comments on a quiet event stream (the contract asks for at most 15).
    stream_keepalive: Annotated[float, msgspec.Meta(gt=0, le=15)] = 15.0
    #: Outbound webhooks (contract §9): allow loopback/private targets (local development only).
    webhooks_allow_private: bool = False
    #: Seconds a receiver has to answer one webhook attempt.
    webhook_timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 15.0
    #: Run the webhook dispatcher inside every API process (false: only ``micropay webhooks run`` workers).
    webhook_dispatch: bool = True
    webhook_concurrency: Annotated[int, msgspec.Meta(ge=1)] = 16
    webhook_per_endpoint: Annotated[int, msgspec.Meta(ge=1)] = 4
    webhook_poll_interval: Annotated[float, msgspec.Meta(gt=0)] = 1.0
    #: Seconds a lease outlives an attempt's timeout before another process may take the attempt over.
    webhook_lease_margin: Annotated[int, msgspec.Meta(ge=1)] = 30
    #: Streaming replicas (comma-separated ``postgresql+asyncpg://`` URLs) for retrieve, list, attempts and
    #: events reads, and read-only mode when the primary is down (docs/replicas.md, ADR 0014).
    database_replica_urls: str = ""
    #: Seconds a tenant's reads stay on the primary after it wrote; also the most replay lag a replica may have.
    replica_pin_seconds: Annotated[float, msgspec.Meta(gt=0, le=300)] = 5.0
    #: Seconds between two health checks of the primary and the replicas.
    replica_check_interval: Annotated[float, msgspec.Meta(gt=0, le=60)] = 1.0
    #: API-key lookups cached per process on Postgres while its LISTEN connection is up (0 turns it off),
    #: and the seconds after which a cached lookup is read again anyway.
    api_key_cache_size: Annotated[int, msgspec.Meta(ge=0)] = 10_000
    api_key_cache_ttl: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 60.0

    def __repr__(self) -> str:
        return f"Settings(database_url=<{self.database_backend}>, public_url={self.public_url!r})"

    @property
    def database_backend(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"

    @property
    def replica_urls(self) -> list[str]:
        """``MICROPAY_DATABASE_REPLICA_URLS`` as a list; each must be a Postgres URL, and so the primary."""
        urls = [url.strip() for url in self.database_replica_urls.split(",") if url.strip()]
        if urls and (self.is_embedded or not all(url.startswith("postgresql") for url in urls)):
            raise SettingsError(
                "MICROPAY_DATABASE_REPLICA_URLS takes postgresql+asyncpg:// URLs of streaming replicas "
                "of a Postgres MICROPAY_DATABASE_URL."
            )
        return urls

    @property
    def is_embedded(self) -> bool:
        return self.database_backend == "sqlite"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
        values = dict(_read_dotenv(dotenv)) if dotenv is not None else {}
        values.update(os.environ if environ is None else environ)
        names = {
            "database_url": "MICROPAY_DATABASE_URL",
            "vault_key": "MICROPAY_VAULT_KEY",
            "vault_old_keys": "MICROPAY_VAULT_OLD_KEYS",
            "vault_key_file": "MICROPAY_VAULT_KEY_FILE",
            "public_url": "MICROPAY_PUBLIC_URL",
            "daraja_sandbox_url": "MICROPAY_DARAJA_SANDBOX_URL",
            "daraja_production_url": "MICROPAY_DARAJA_PRODUCTION_URL",
            "sandbox_consumer_key": "MICROPAY_SANDBOX_CONSUMER_KEY",
            "sandbox_consumer_secret": "MICROPAY_SANDBOX_CONSUMER_SECRET",
            "sandbox_shortcode": "MICROPAY_SANDBOX_SHORTCODE",
            "sandbox_passkey": "MICROPAY_SANDBOX_PASSKEY",
            "daraja_connect_timeout": "MICROPAY_DARAJA_CONNECT_TIMEOUT",
            "daraja_read_timeout": "MICROPAY_DARAJA_READ_TIMEOUT",
            "db_pool_size": "MICROPAY_DB_POOL_SIZE",
            "log_level": "MICROPAY_LOG_LEVEL",
            "reconcile_interval": "MICROPAY_RECONCILE_INTERVAL",
            "reconcile_after": "MICROPAY_RECONCILE_AFTER",
            "http_max_body_bytes": "MICROPAY_HTTP_MAX_BODY_BYTES",
            "http_max_header_bytes": "MICROPAY_HTTP_MAX_HEADER_BYTES",
            "http_max_headers": "MICROPAY_HTTP_MAX_HEADERS",
            "http_header_timeout": "MICROPAY_HTTP_HEADER_TIMEOUT",
            "http_body_timeout": "MICROPAY_HTTP_BODY_TIMEOUT",
            "http_keep_alive_timeout": "MICROPAY_HTTP_KEEP_ALIVE_TIMEOUT",
            "http_max_connections": "MICROPAY_HTTP_MAX_CONNECTIONS",
            "unroutable_callback_budget": "MICROPAY_UNROUTABLE_CALLBACK_BUDGET",
            "unroutable_callback_retention": "MICROPAY_UNROUTABLE_CALLBACK_RETENTION",
            "jwt_secret": "MICROPAY_JWT_SECRET",
            "signup": "MICROPAY_SIGNUP",
            "event_retention_days": "MICROPAY_EVENT_RETENTION_DAYS",
            "cors_origins": "MICROPAY_CORS_ORIGINS",
            "listen_database_url": "MICROPAY_LISTEN_DATABASE_URL",
            "max_streams_per_merchant": "MICROPAY_MAX_STREAMS_PER_MERCHANT",
            "stream_keepalive": "MICROPAY_STREAM_KEEPALIVE",
            "webhooks_allow_private": "MICROPAY_WEBHOOKS_ALLOW_PRIVATE",
            "webhook_timeout": "MICROPAY_WEBHOOK_TIMEOUT",
            "webhook_dispatch": "MICROPAY_WEBHOOK_DISPATCH",
            "webhook_concurrency": "MICROPAY_WEBHOOK_CONCURRENCY",
            "webhook_per_endpoint": "MICROPAY_WEBHOOK_PER_ENDPOINT",
            "webhook_poll_interval": "MICROPAY_WEBHOOK_POLL_INTERVAL",
            "webhook_lease_margin": "MICROPAY_WEBHOOK_LEASE_MARGIN",
            "database_replica_urls": "MICROPAY_DATABASE_REPLICA_URLS",
            "replica_pin_seconds": "MICROPAY_REPLICA_PIN_SECONDS",
            "replica_check_interval": "MICROPAY_REPLICA_CHECK_INTERVAL",
            "api_key_cache_size": "MICROPAY_API_KEY_CACHE_SIZE",
            "api_key_cache_ttl": "MICROPAY_API_KEY_CACHE_TTL",
        }
        raw = {field: values[env] for field, env in names.items() if values.get(env, "") != ""}
        try:
            return msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            message = str(exc)
            field = message.rsplit("$.", 1)[-1].strip("`") if "$." in message else "?"
            problem = message.split(" - ")[0].replace("`", "")
            raise SettingsError(f"Invalid setting {names.get(field, field)}: {problem}.") from None


def _read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines; ``#`` comments and blank lines ignored; optional matching quotes stripped."""
    if not path.is_file():
        return {}
    result: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#") or "=" not in text:
            continue
        key, _, value = text.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        result[key.strip().removeprefix("export ").strip()] = value
    return result
