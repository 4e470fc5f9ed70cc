"""Every route that takes a secret key works the same with a dashboard session (contract §1, §10).

In process (one backend); ``tests/e2e/test_session_matrix.py`` runs the sandbox scenario on each backend.

One scenario runs over each (credential, environment): the environment's secret key, or an owner's access
token with ``x-micropay-env``. The statuses, error codes and ``livemode`` must be the same for both kinds,
and the scenario must cover every authenticated route the app has besides the session-only ones.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.client import Merchant
from tests.e2e.sessions_client import PASSWORD, log_in, unique_email
from tests.integration.http.in_process import InProcessStack

# Routes that belong to sessions themselves (covered in test_sessions.py) or need no credential.
SESSION_ONLY = {
    ("POST", "/v1/auth/logout"),
    ("GET", "/v1/auth/sessions"),
    ("DELETE", "/v1/auth/sessions/{session_id}"),
    ("POST", "/v1/auth/password"),
    ("GET", "/v1/users"),
    ("POST", "/v1/users"),
    ("DELETE", "/v1/users/{user_id}"),
}


async def scenario(http: httpx.AsyncClient, headers: dict[str, str], livemode: bool) -> list[tuple[str, Any]]:
    """Each step's route and what it showed: (status, error code or livemode or object)."""
    seen: list[tuple[str, Any]] = []

    async def call(method: str, route: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await http.request(method, path, headers=headers, **kwargs)
        body = response.json()
        code = body["error"]["code"] if response.status_code >= 400 else body.get("livemode", body.get("object"))
        seen.append((f"{method} {route}", (response.status_code, code)))
        return response

    created = await call("POST", "/v1/payment_intents", "/v1/payment_intents", json={"amount": 1500, "currency": "kes"})
    assert created.json()["livemode"] is livemode
    intent = created.json()["id"]
    base = "/v1/payment_intents/{intent_id}"
    await call("GET", base, f"/v1/payment_intents/{intent}")
    listed = await call("GET", "/v1/payment_intents", "/v1/payment_intents")
    assert [i["id"] for i in listed.json()["data"]] == [intent]
    await call("GET", base + "/attempts", f"/v1/payment_intents/{intent}/attempts")
    await call(
        "POST", base + "/confirm", f"/v1/payment_intents/{intent}/confirm", json={"phone_number": "254711000098"}
    )  # stays processing
    await call("POST", base + "/reconcile", f"/v1/payment_intents/{intent}/reconcile", json={})
    await call("POST", base + "/cancel", f"/v1/payment_intents/{intent}/cancel", json={})
    credentials = {
        "consumer_key": "matrix-key",
        "consumer_secret": "matrix-secret",
        "business_short_code": "174379",
        "passkey": "matrix-passkey",
        "transaction_type": "CustomerPayBillOnline",
    }
    await call("PUT", "/v1/mpesa_credentials", "/v1/mpesa_credentials", json=credentials)
    await call("GET", "/v1/mpesa_credentials", "/v1/mpesa_credentials")
    await call("DELETE", "/v1/mpesa_credentials", "/v1/mpesa_credentials")
    keys = await call("GET", "/v1/api_keys", "/v1/api_keys")
    infix = "live" if livemode else "test"
    assert sorted(k["display_prefix"][:8] for k in keys.json()["data"]) == [f"pk_{infix}_", f"sk_{infix}_"]
    await call("POST", "/v1/api_keys/roll", "/v1/api_keys/roll", json={"type": "publishable"})
    await call("GET", "/v1/me", "/v1/me")
    return seen


async def _credentials(http: httpx.AsyncClient, stack: InProcessStack, merchant: Merchant) -> dict[str, dict[str, str]]:
    email = unique_email("matrix")
    await stack.create_user(merchant.id, email, PASSWORD, "owner")
    tokens = await log_in(http, email)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    return {
        "secret_key/sandbox": {"Authorization": f"Bearer {merchant.sk_test}"},
        "secret_key/production": {"Authorization": f"Bearer {merchant.sk_live}"},
        "session/sandbox": bearer,  # x-micropay-env absent: sandbox
        "session/production": {**bearer, "x-micropay-env": "production"},
    }


@pytest.mark.parametrize("environment", ["sandbox", "production"])
async def test_a_session_does_what_the_environments_secret_key_does(
    http: httpx.AsyncClient, stack: InProcessStack, environment: str
) -> None:
    # two merchants, so each kind starts from the same empty state
    by_key = Merchant.of(await stack.create_merchant("Matrix by key"))
    by_session = Merchant.of(await stack.create_merchant("Matrix by session"))
    key_headers = (await _credentials(http, stack, by_key))[f"secret_key/{environment}"]
    session_headers = (await _credentials(http, stack, by_session))[f"session/{environment}"]
    livemode = environment == "production"

    with_key = await scenario(http, key_headers, livemode)
    with_session = await scenario(http, session_headers, livemode)

    assert with_session == with_key
    assert dict(with_key)["POST /v1/payment_intents"] == (201, livemode)
    # sandbox confirms on the server's default credentials (the push stays processing: cancel is refused);
    # production has none (400 credentials_missing, the intent can still be canceled)
    expected_confirm = (400, "credentials_missing") if livemode else (200, livemode)
    expected_cancel = (200, livemode) if livemode else (409, "intent_unexpected_state")
    assert dict(with_key)["POST /v1/payment_intents/{intent_id}/confirm"] == expected_confirm
    assert dict(with_key)["POST /v1/payment_intents/{intent_id}/cancel"] == expected_cancel


async def test_the_matrix_covers_every_authenticated_route(http: httpx.AsyncClient) -> None:
    schema = (await http.get("/schema/openapi.json")).json()
    authenticated = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if operation.get("security", schema.get("security")) != [{}]
    }
    exercised = {
        ("POST", "/v1/payment_intents"),
        ("GET", "/v1/payment_intents"),
        ("GET", "/v1/payment_intents/{intent_id}"),
        ("GET", "/v1/payment_intents/{intent_id}/attempts"),
        ("POST", "/v1/payment_intents/{intent_id}/confirm"),
        ("POST", "/v1/payment_intents/{intent_id}/reconcile"),
        ("POST", "/v1/payment_intents/{intent_id}/cancel"),
        ("PUT", "/v1/mpesa_credentials"),
        ("GET", "/v1/mpesa_credentials"),
        ("DELETE", "/v1/mpesa_credentials"),
        ("GET", "/v1/api_keys"),
        ("POST", "/v1/api_keys/roll"),
        ("GET", "/v1/me"),
    }

    # routes added later by other features (events, webhooks, wait/stream) are not driven here yet
    assert exercised <= authenticated - SESSION_ONLY
