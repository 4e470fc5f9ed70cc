"""What the API sends Postgres for one lifecycle, read from ``log_statement = all`` (issue #16).

``.venv/bin/python bench/statements.py [--webhook] [--wait]`` creates a throwaway database, migrates it,
turns on ``log_statement = all`` for that database only (``ALTER DATABASE``, needs a superuser), runs two
lifecycles through the production server (the first warms the OAuth token and the pools), and prints the
statements Postgres logged for the second one, request by request, from the server log
(``/var/log/postgresql/postgresql-15-main.log`` by default, ``--log`` overrides it). This is how
``bench/_raw_sql.py`` is kept a replica of what the API really sends.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fake_daraja import FakeDaraja
from _load import Lifecycles, Samples, VirtualUser
from _procs import (
    ADMIN_DSN,
    Server,
    api_environment,
    app_dsn,
    create_database,
    create_merchant,
    drop_database,
    micropay,
)
from _receiver import WebhookReceiver, register_endpoint

LOG = Path("/var/log/postgresql/postgresql-15-main.log")
_LINE = re.compile(r"^\S+ \S+ UTC \[(\d+)\] (\S+)@(\S+) LOG:  (?:statement|execute [^:]*): (.*)$")


async def main(args: argparse.Namespace) -> int:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()).lower()
    database = f"micropay_stmts_{stamp}"
    await create_database(ADMIN_DSN, database)
    daraja, receiver = FakeDaraja(), WebhookReceiver()
    try:
        await daraja.start()
        await receiver.start()
        port = _port()
        env = api_environment(app_dsn(ADMIN_DSN, database), f"http://127.0.0.1:{port}", daraja.url)
        env["MICROPAY_WEBHOOKS_ALLOW_PRIVATE"] = "true"
        micropay("db", "upgrade", env=env)
        _, key = create_merchant(env)
        admin = await asyncpg.connect(ADMIN_DSN)
        try:
            await admin.execute(f"ALTER DATABASE \"{database}\" SET log_statement = 'all'")
        finally:
            await admin.close()
        server = Server(
            [sys.executable, "-m", "micropay.entrypoints.cli", "serve", "--port", str(port)],
            env,
            {0, 1},
            port,
            sys.stderr.buffer,
        )
        try:
            await server.wait_healthy()
            user = VirtualUser(port, key)
            if args.webhook:
                await register_endpoint(user, receiver.url)
            lifecycles = Lifecycles(daraja, wait=args.wait)
            await lifecycles.run(user, Samples(), time.perf_counter() + 30)
            await asyncio.sleep(2.5)  # the dispatcher's deliveries of the first lifecycle
            log_file = Path(args.log) if args.log else LOG
            offset = (await asyncio.to_thread(log_file.stat)).st_size
            samples = Samples()
            await lifecycles.run(user, samples, time.perf_counter() + 30)
            await asyncio.sleep(2.5 if args.webhook else 0.3)
            await user.close()
        finally:
            server.stop()
        assert samples.lifecycles == 1, f"the lifecycle failed: {dict(samples.errors)}"
        text = (await asyncio.to_thread(log_file.read_bytes))[offset:].decode(errors="replace")
        count = 0
        for line in text.splitlines():
            match = _LINE.match(line)
            if match and match.group(3) == database:
                count += 1
                print(f"[{match.group(1)}] {match.group(4)[:220]}")
        print(f"\n{count} statements logged for one lifecycle (BEGIN/COMMIT included)")
    finally:
        await daraja.close()
        await receiver.close()
        await drop_database(ADMIN_DSN, database)
    return 0


def _port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--webhook", action="store_true", help="with one enabled webhook endpoint")
    parser.add_argument("--wait", action="store_true", help="with one wait per lifecycle")
    parser.add_argument("--log", help="the Postgres server log to read")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
