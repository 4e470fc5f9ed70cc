"""The ``standardwebhooks`` npm library (docs/webhooks.md's Node example) verifies what the sender sends.

Needs ``node`` and ``npm ci`` in ``tests/node`` (CI does it); skipped locally without them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from micropay.adapters.webhooks import standard_webhooks
from micropay.domain.model.webhooks import SigningSecret

NODE_DIR = Path(__file__).parents[2] / "node"
INSTALLED = (NODE_DIR / "node_modules" / "standardwebhooks").is_dir()

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or (not INSTALLED and os.environ.get("CI", "").lower() != "true"),
    reason="node or tests/node/node_modules missing (npm ci in tests/node)",
)


def run_node(secret: str, body: bytes, headers: dict[str, str]) -> subprocess.CompletedProcess[str]:
    stdin = json.dumps({"secret": secret, "body": body.decode(), "headers": headers})
    return subprocess.run(
        ["node", "verify.mjs"], input=stdin, cwd=NODE_DIR, capture_output=True, text=True, timeout=30, check=False
    )


def test_node_verifies_a_signature_and_refuses_a_tampered_body() -> None:
    key = os.urandom(32)
    body = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded"}).encode()
    headers = standard_webhooks.headers((SigningSecret(key=key),), "evt_1", int(time.time()), body)
    verified = run_node(standard_webhooks.encode_secret(key), body, headers)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == "payment_intent.succeeded"
    tampered = run_node(standard_webhooks.encode_secret(key), body.replace(b"succeeded", b"canceled"), headers)
    assert tampered.returncode == 1
    assert "rejected" in tampered.stderr
