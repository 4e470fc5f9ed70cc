"""A local webhook receiver for development: prints each delivery and whether its signature verifies.

    python -m micropay.entrypoints.webhook_echo --port 8002 [--secret whsec_...]

Answers 200 to every POST. With ``--secret`` it checks ``webhook-signature`` as any Standard Webhooks verifier
would (one matching ``v1,`` signature, timestamp within 5 minutes). Standard library only; not for production.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

from micropay.adapters.webhooks.standard_webhooks import signature

TOLERANCE_SECONDS: Final = 300


def verdict(secret: str | None, message_id: str, timestamp: str, signatures: str, body: bytes) -> str:
    if secret is None:
        return "signature not checked (no --secret)"
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        sent_at = int(timestamp)
    except (binascii.Error, ValueError):
        return "NOT VERIFIED (bad secret or timestamp)"
    if abs(time.time() - sent_at) > TOLERANCE_SECONDS:
        return "NOT VERIFIED (timestamp outside 5 minutes)"
    expected = signature(key, message_id, sent_at, body)
    if any(hmac.compare_digest(expected, given) for given in signatures.split(" ")):
        return "signature verified"
    return "NOT VERIFIED (no matching signature)"


def _handler(secret: str | None) -> type[BaseHTTPRequestHandler]:
    class Echo(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            message_id = self.headers.get("webhook-id", "")
            checked = verdict(
                secret,
                message_id,
                self.headers.get("webhook-timestamp", ""),
                self.headers.get("webhook-signature", ""),
                body,
            )
            try:
                event_type = json.loads(body).get("type", "?")
            except (ValueError, AttributeError):
                event_type = "?"
            print(f"{time.strftime('%H:%M:%S')} {self.path} {message_id} {event_type}: {checked}", flush=True)
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return  # one line per delivery above is enough

    return Echo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print webhook deliveries (local development).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--secret", help="the endpoint's whsec_ secret, to check signatures")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), _handler(args.secret))
    print(f"webhook echo listening on http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
