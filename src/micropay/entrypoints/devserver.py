"""``make run``: the whole product on one machine, offline.

Migrates the embedded SQLite database, creates the local vault key (0600) and a demo merchant, starts the
Daraja simulator and the API (its sandbox pointed at the simulator), and prints curl commands that take a
payment to ``succeeded``, and the checkout example's URL for a fresh intent (pay it in a browser). Sign-up is
open, and a demo login (email and generated password) of the demo merchant is printed; and how to watch its
signed webhooks arrive at a local receiver (private webhook targets are allowed here). Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

import httpx
import msgspec

from micropay.entrypoints.demo_login import DemoLogin, demo_login
from micropay.entrypoints.settings import Settings

STATE_DIR: Final = Path(".micropay")
DEMO_KEYS: Final = STATE_DIR / "demo-merchant.json"
DEMO_LOGIN: Final = STATE_DIR / "demo-login.json"


class DemoKeys(msgspec.Struct):
    merchant_id: str
    secret: str
    publishable: str


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _wait_for(host: str, port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


async def _demo_merchant(settings: Settings) -> DemoKeys:
    """Reuse the demo merchant's keys if they still authenticate, else create a new merchant."""
    from micropay.domain.errors import AuthenticationFailed
    from micropay.domain.use_cases.api_keys import Authenticate, CreateMerchant
    from micropay.entrypoints.cli import request_scope

    async with request_scope(settings) as scope:
        if DEMO_KEYS.is_file():
            keys = msgspec.json.decode(DEMO_KEYS.read_bytes(), type=DemoKeys)
            try:
                await (await scope.get(Authenticate))(keys.secret)
                return keys
            except AuthenticationFailed:
                pass
        created = await (await scope.get(CreateMerchant))("Demo merchant", None)
    sandbox = created.keys["sandbox"]
    keys = DemoKeys(merchant_id=created.merchant_id, secret=sandbox.secret, publishable=sandbox.publishable)
    descriptor = os.open(DEMO_KEYS, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(msgspec.json.encode(keys))
    return keys


def _checkout_url(base: str, keys: DemoKeys) -> str:
    """A fresh KES 1,500 intent, and the link a merchant's server would render for it (contract §12)."""
    try:
        response = httpx.post(
            f"{base}/v1/payment_intents",
            headers={"Authorization": f"Bearer {keys.secret}"},
            json={"amount": 150000, "currency": "kes", "description": "Checkout example"},
            timeout=10,
        )
        response.raise_for_status()
        intent = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return f"(could not create an intent for it: {type(exc).__name__})"
    query = urlencode(
        {"payment_intent": intent["id"], "client_secret": intent["client_secret"], "key": keys.publishable}
    )
    return f"{base}/examples/checkout?{query}"


def _instructions(base: str, keys: DemoKeys, checkout: str = "", hook_port: int = 8002) -> str:
    key = keys.secret
    return f"""
Micropay is running: API {base}  (OpenAPI: {base}/schema)
Daraja simulator on its own port; sandbox keys of the demo merchant {keys.merchant_id}:
  secret      {key}
  publishable {keys.publishable}

1. Create a KES 1,500 payment and send the STK push in one call:

  curl -s {base}/v1/payment_intents -H "Authorization: Bearer {key}" \\
    -H "Content-Type: application/json" -H "Idempotency-Key: demo-$(date +%s)" \\
    -d '{{"amount": 150000, "currency": "kes", "phone_number": "0708374149", "confirm": true}}'

2. About two seconds later the simulator's callback arrives; fetch it again (use the "id" printed above):

  curl -s {base}/v1/payment_intents/pi_... -H "Authorization: Bearer {key}"

  -> "status": "succeeded" with an M-Pesa receipt number. Or list the newest:

  curl -s "{base}/v1/payment_intents?limit=1" -H "Authorization: Bearer {key}"

Failures to try as phone_number: 254711000001 (insufficient funds), 254711001032 (customer cancels),
254711002001 (wrong PIN), 254711000400 (invalid number), 254711000503 (Daraja down: 503),
254711000099 (callback lost: settled by itself within ~2 minutes, or at once by
POST /v1/payment_intents/<id>/reconcile). See docs/simulator.md.

3. Or pay as a customer would, in a browser, on the checkout example (a fresh KES 1,500 intent; try the
   phone numbers above):

  {checkout}

Webhooks (private targets are allowed here, for local development only):

4. In another terminal, start a local receiver that prints each delivery:

  .venv/bin/python -m micropay.entrypoints.webhook_echo --port {hook_port}

5. Register it (the answer shows the endpoint's whsec_ secret once):

  curl -s {base}/v1/webhook_endpoints -H "Authorization: Bearer {key}" \\
    -H "Content-Type: application/json" \\
    -d '{{"url": "http://127.0.0.1:{hook_port}/hooks", "enabled_events": ["*"]}}'

  Restart the receiver with --secret whsec_... to check every signature, then take a payment (1.): it prints
  payment_intent.created, .processing and .succeeded, signed. The log of one endpoint:

  curl -s {base}/v1/webhook_endpoints/we_.../deliveries -H "Authorization: Bearer {key}"

Ctrl-C stops the API and the simulator.
"""


def _login_instructions(base: str, login: DemoLogin) -> str:
    return f"""
Dashboard login of the demo merchant (sign-up is open too: POST {base}/v1/auth/signup):
  email     {login.email}
  password  {login.password}

Merchant dashboard: {base}/dashboard  (sign in with the login above; Payments -> Create a test payment)

  curl -s {base}/v1/auth/login -H "Content-Type: application/json" \\
    -d '{{"email": "{login.email}", "password": "{login.password}"}}'
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--sim-port", type=int, default=8001)
    parser.add_argument("--hook-port", type=int, default=8002, help="the port the printed webhook receiver uses")
    args = parser.parse_args(argv)

    for port in (args.port, args.sim_port):
        if not _port_free(args.host, port):
            print(f"make run: port {port} on {args.host} is in use; set PORT=/SIM_PORT= to others.", file=sys.stderr)
            return 1
    STATE_DIR.mkdir(mode=0o700, exist_ok=True)
    base = f"http://{args.host}:{args.port}"
    env = dict(os.environ)
    env.setdefault("MICROPAY_VAULT_KEY_FILE", str(STATE_DIR / "vault.key"))
    env.setdefault("MICROPAY_PUBLIC_URL", base)
    env.setdefault("MICROPAY_DARAJA_SANDBOX_URL", f"http://{args.host}:{args.sim_port}")
    env.setdefault("MICROPAY_SANDBOX_CONSUMER_KEY", "micropay-local-demo")
    env.setdefault("MICROPAY_SANDBOX_CONSUMER_SECRET", "micropay-local-demo-secret")
    env.setdefault("MICROPAY_SIGNUP", "open")
    env.setdefault("MICROPAY_WEBHOOKS_ALLOW_PRIVATE", "true")  # local receivers on loopback; never in production
    os.environ.update(env)
    settings = Settings.from_env()

    from micropay.adapters.persistence import upgrade

    upgrade(settings.database_url)
    keys = asyncio.run(_demo_merchant(settings))
    login = demo_login(settings, keys.merchant_id, DEMO_LOGIN)

    python = sys.executable
    simulator = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [python, "-m", "micropay.entrypoints.cli", "simulator", "--host", args.host, "--port", str(args.sim_port)],
        env=env,
    )
    api = subprocess.Popen(  # noqa: S603
        [python, "-m", "micropay.entrypoints.cli", "serve", "--host", args.host, "--port", str(args.port)], env=env
    )
    processes = [simulator, api]
    try:
        if not (_wait_for(args.host, args.sim_port, simulator) and _wait_for(args.host, args.port, api)):
            print("make run: the API or the simulator failed to start (see the messages above).", file=sys.stderr)
            return 1
        print(
            _login_instructions(base, login) + _instructions(base, keys, _checkout_url(base, keys), args.hook_port),
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    raise SystemExit(main())
