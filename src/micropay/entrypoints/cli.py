"""The ``micropay`` command (docs/api.md)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import msgspec
from dishka import AsyncContainer

from micropay.domain.errors import MicropayError
from micropay.entrypoints.cli_users import add_users_parser, run_users
from micropay.entrypoints.settings import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micropay", description="M-Pesa payment orchestration (Daraja STK Push).")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (uvicorn)")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply every migration (with MICROPAY_DATABASE_URL's role)")

    merchants = commands.add_parser("merchants", help="merchant accounts")
    merchant_commands = merchants.add_subparsers(dest="merchants_command", required=True)
    create = merchant_commands.add_parser("create", help="create a merchant and print its API keys once")
    create.add_argument("--name", required=True)
    create.add_argument("--email")

    simulator = commands.add_parser("simulator", help="run the bundled Daraja simulator")
    simulator.add_argument("--host", default="127.0.0.1")
    simulator.add_argument("--port", type=int, default=8001)

    vault = commands.add_parser("vault", help="credential vault")
    vault_commands = vault.add_subparsers(dest="vault_command", required=True)
    vault_commands.add_parser("rotate", help="re-encrypt every credential and webhook secret under MICROPAY_VAULT_KEY")

    reconcile = commands.add_parser(
        "reconcile", help="settle stuck processing payments once (ask Daraja), print the report as JSON"
    )
    reconcile.add_argument(
        "--older-than", type=_non_negative, default=None, help="seconds processing (default MICROPAY_RECONCILE_AFTER)"
    )
    reconcile.add_argument("--limit", type=_non_negative, default=100, help="at most this many intents (default 100)")

    idempotency = commands.add_parser("idempotency", help="Idempotency-Key records")
    idempotency_commands = idempotency.add_subparsers(dest="idempotency_command", required=True)
    idempotency_commands.add_parser(
        "prune", help="delete the records past their 24-hour retention once (bounded), print how many"
    )
    add_users_parser(commands)
    webhooks = commands.add_parser("webhooks", help="outbound webhooks")
    webhook_commands = webhooks.add_subparsers(dest="webhooks_command", required=True)
    webhook_commands.add_parser("run", help="run the webhook dispatcher as a worker until SIGTERM/SIGINT")
    return parser


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value!r}")
    return number


@asynccontextmanager
async def request_scope(settings: Settings) -> AsyncIterator[AsyncContainer]:
    """A container and one request scope, closed (engine disposed) on exit."""
    from micropay.entrypoints.container import make_container

    container = make_container(settings)
    try:
        async with container() as request:
            yield request
    finally:
        await container.close()


async def _create_merchant(settings: Settings, name: str, email: str | None) -> bytes:
    from micropay.domain.use_cases.api_keys import CreateMerchant

    async with request_scope(settings) as scope:
        created = await (await scope.get(CreateMerchant))(name, email)
    return msgspec.json.format(msgspec.json.encode(created), indent=2)


async def _rotate(settings: Settings) -> int:
    from micropay.domain.use_cases.credentials import RotateVaultKeys

    async with request_scope(settings) as scope:
        return await (await scope.get(RotateVaultKeys))()


async def _rotate_webhook_secrets(settings: Settings) -> int:
    from micropay.domain.use_cases.webhooks.rotate_vault import RotateWebhookSecrets

    async with request_scope(settings) as scope:
        return await (await scope.get(RotateWebhookSecrets))()


async def _reconcile(settings: Settings, older_than: int | None, limit: int) -> bytes:
    from micropay.domain.use_cases.reconcile_stuck import ReconcileStuckPayments

    after = settings.reconcile_after if older_than is None else older_than
    async with request_scope(settings) as scope:
        report = await (await scope.get(ReconcileStuckPayments))(older_than=after, limit=limit)
    return msgspec.json.encode(report)


async def _prune_idempotency(settings: Settings) -> int:
    from micropay.domain.use_cases.prune_idempotency import PruneIdempotencyRecords

    async with request_scope(settings) as scope:
        return await (await scope.get(PruneIdempotencyRecords))()


#: Open event streams never end by themselves: on Ctrl-C/SIGTERM uvicorn waits this long for them, then cuts
#: them (clients reconnect to another process with Last-Event-ID).
GRACEFUL_SHUTDOWN_SECONDS = 5


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    # Our own uvicorn protocol and limits (header size/count, head and body deadlines, connections): ADR 0013.
    from micropay.entrypoints.http.server import run_server, server_config

    if workers > 1:
        target = "micropay.entrypoints.http.app:app_factory"
        run_server(
            server_config(
                target,
                settings,
                host=host,
                port=port,
                workers=workers,
                factory=True,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            )
        )
        return
    from micropay.entrypoints.http.app import create_app

    run_server(
        server_config(
            create_app(settings, configure_logs=True),
            settings,
            host=host,
            port=port,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "simulator":
            from micropay.entrypoints.simulator.server import run_simulator
            from micropay.entrypoints.simulator.settings import SimulatorSettings

            run_simulator(args.host, args.port, SimulatorSettings.from_env(os.environ))
            return 0
        settings = Settings.from_env()
        if args.command == "serve":
            _serve(settings, args.host, args.port, args.workers)
        elif args.command == "db":
            from micropay.adapters.persistence import upgrade

            upgrade(settings.database_url)
            print("database is up to date")
        elif args.command == "merchants":
            sys.stdout.write(asyncio.run(_create_merchant(settings, args.name, args.email)).decode() + "\n")
        elif args.command == "vault":
            count = asyncio.run(_rotate(settings))
            print(f"re-encrypted {count} credential(s) under the current key")
            secrets = asyncio.run(_rotate_webhook_secrets(settings))
            print(f"re-encrypted {secrets} webhook secret(s) under the current key")
        elif args.command == "reconcile":
            sys.stdout.write(asyncio.run(_reconcile(settings, args.older_than, args.limit)).decode() + "\n")
        elif args.command == "idempotency":
            count = asyncio.run(_prune_idempotency(settings))
            print(f"removed {count} expired idempotency record(s)")
        elif args.command == "users":
            return run_users(settings, args)
        elif args.command == "webhooks":
            from micropay.entrypoints.http.request_context import configure_logging
            from micropay.entrypoints.webhook_worker import run_worker

            configure_logging(settings.log_level)
            asyncio.run(run_worker(settings))
    except (MicropayError, SettingsError) as exc:
        print(f"micropay: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
