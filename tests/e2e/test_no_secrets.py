"""No secret leaves the service: a whole live-mode payment, every response and every log line scanned.

Secrets: the merchant's consumer key and secret and passkey, its API keys, the intent's client secret,
the callback token, and the vault's master key. Only the places the contract allows may show a secret:
the create response shows the client secret, the roll response the new key.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.client import Api, Merchant, bearer
from tests.e2e.harness import FAULT_PASSKEY, Stack

CONSUMER_KEY = "ck-live-Zq7Lw2Nf8Hx3"
CONSUMER_SECRET = "cs-live-TOPSECRET-v9Kd2"


async def test_a_live_payment_leaks_no_secret_to_responses_or_logs(
    api: Api, merchant: Merchant, stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        bodies.append(response.text)

    api.http.event_hooks["response"].append(keep)
    key = bearer(merchant.sk_live)
    put = await api.http.put(
        "/v1/mpesa_credentials",
        json={
            "consumer_key": CONSUMER_KEY,
            "consumer_secret": CONSUMER_SECRET,
            "business_short_code": stack.fault_shortcode(),
            "passkey": FAULT_PASSKEY,
            "transaction_type": "CustomerPayBillOnline",
        },
        headers=key,
    )
    assert put.status_code == 200, put.text
    created = await api.create_ok(merchant.sk_live, phone_number="254708374149")
    client_secret = created["client_secret"]
    confirmed = await api.confirm(merchant.sk_live, created["id"])
    assert confirmed.status_code == 200, confirmed.text
    intent = await api.wait_for_status(merchant.sk_live, created["id"], {"succeeded"})
    assert intent["livemode"] is True
    attempts = await api.attempts(merchant.sk_live, created["id"])
    [push] = [row for row in attempts if row["kind"] == "stk_push"]
    token = stack.tokens.token_for_hint(push["callback_token"])
    await api.http.get("/v1/mpesa_credentials", headers=key)
    await api.http.get(f"/v1/payment_intents/{created['id']}", headers=key)

    assert push["request"]["Password"] == "[REDACTED]"
    secrets = {
        "consumer key": CONSUMER_KEY,
        "consumer secret": CONSUMER_SECRET,
        "passkey": FAULT_PASSKEY,
        "secret key": merchant.sk_live,
        "publishable key": merchant.pk_live,
        "callback token": token,
        "vault key": stack.settings.vault_key or "unset",
    }
    # The simulator shares this process in the tests; its log lines are Daraja's, not the service's (its
    # HTTP client logs the callback URL it POSTs to, as any webhook sender would).
    logs = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith("micropay.entrypoints.simulator")
        and not (record.name == "httpx" and "/webhooks/mpesa/" in record.getMessage())
    )
    create_response = bodies.index(next(b for b in bodies if client_secret in b))
    for name, value in secrets.items():
        assert value not in logs, f"the {name} appears in a log line"
        for body in bodies:
            assert value not in body, f"the {name} appears in a response"
    assert client_secret not in logs
    assert [i for i, body in enumerate(bodies) if client_secret in body] == [create_response]


async def _every_stored_value(database_url: str) -> str:
    """Every row of every Micropay table as text, read past the service's role (superuser or the file)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            dump = []
            for table in tables:
                if table.startswith("micropay_"):
                    rows = (await connection.execute(text(f'SELECT * FROM "{table}"'))).all()
                    for row in rows:
                        for value in row:
                            dump.append(value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))
    finally:
        await engine.dispose()
    return "\n".join(dump)


async def test_secrets_shown_once_are_never_stored_in_plaintext(api: Api, merchant: Merchant, stack: Stack) -> None:
    created = await api.create(merchant.sk_test, {"phone_number": "0708374149"}, idempotency_key="order-secret-1")
    assert created.status_code == 201
    rolled = await api.http.post(
        "/v1/api_keys/roll",
        json={"type": "publishable"},
        headers={**bearer(merchant.sk_test), "Idempotency-Key": "roll-secret-1"},
    )
    assert rolled.status_code == 200
    replay = await api.create(merchant.sk_test, {"phone_number": "0708374149"}, idempotency_key="order-secret-1")
    assert replay.content == created.content  # replayed byte for byte from the sealed copy

    stored = await _every_stored_value(stack.settings.database_url)

    assert created.json()["id"] in stored  # the scan does see the rows
    assert created.json()["client_secret"] not in stored
    assert rolled.json()["key"] not in stored
    assert merchant.sk_test not in stored
