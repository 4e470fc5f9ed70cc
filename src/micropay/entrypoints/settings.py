"""Typed settings, read from the environment (and a ``.env`` file if present) only when asked."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Final

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
    #: Days an event is kept before the maintenance loop deletes it (at least 1).
    event_retention_days: Annotated[int, msgspec.Meta(ge=1)] = 30
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

    def __repr__(self) -> str:
        return f"Settings(database_url=<{self.database_backend}>, public_url={self.public_url!r})"

    @property
    def database_backend(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"

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
            "event_retention_days": "MICROPAY_EVENT_RETENTION_DAYS",
            "webhooks_allow_private": "MICROPAY_WEBHOOKS_ALLOW_PRIVATE",
            "webhook_timeout": "MICROPAY_WEBHOOK_TIMEOUT",
            "webhook_dispatch": "MICROPAY_WEBHOOK_DISPATCH",
            "webhook_concurrency": "MICROPAY_WEBHOOK_CONCURRENCY",
            "webhook_per_endpoint": "MICROPAY_WEBHOOK_PER_ENDPOINT",
            "webhook_poll_interval": "MICROPAY_WEBHOOK_POLL_INTERVAL",
            "webhook_lease_margin": "MICROPAY_WEBHOOK_LEASE_MARGIN",
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
