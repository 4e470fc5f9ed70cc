"""No password, password hash, refresh token or access token leaves the service except where it is issued.

A whole dashboard session (sign-up, a failed and a throttled login, login, refresh, a reuse, password change,
logout) with every response (bodies and headers) and every log line kept. Each refresh token and access
token may appear only in the response that issued it (and its Set-Cookie); passwords and hashes nowhere;
and the database holds hashes only.
"""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.e2e.harness import Stack
from tests.e2e.sessions_client import PASSWORD, session_headers, unique_email
from tests.e2e.test_no_secrets import _every_stored_value

NEW_PASSWORD = "another long passphrase 42"


async def test_a_dashboard_session_leaks_no_secret(
    http: httpx.AsyncClient, stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    responses: list[str] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        headers = "\n".join(f"{name}: {value}" for name, value in response.headers.multi_items())
        responses.append(headers + "\n\n" + response.text)

    http.event_hooks["response"].append(keep)
    email = unique_email("scan")
    signup = (
        await http.post("/v1/auth/signup", json={"email": email, "password": PASSWORD, "business_name": "Scan"})
    ).json()
    for _ in range(5):
        await http.post("/v1/auth/login", json={"email": email, "password": "wrong password!"})
    throttled = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert throttled.status_code == 429
    other_email = unique_email("scan2")
    await stack.create_user(signup["merchant"]["id"], other_email, PASSWORD, "developer")
    login = (await http.post("/v1/auth/login", json={"email": other_email, "password": PASSWORD})).json()
    rotated = (await http.post("/v1/auth/refresh", json={"refresh_token": login["refresh_token"]})).json()
    await http.get("/v1/me", headers=session_headers(rotated))
    await http.get("/v1/auth/sessions", headers=session_headers(rotated))
    changed = await http.post(
        "/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=session_headers(rotated),
    )
    assert changed.status_code == 200, changed.text
    await http.post("/v1/auth/logout", headers=session_headers(rotated))
    refused = await http.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert refused.status_code == 401

    stored = await _every_stored_value(stack.settings.database_url)
    hashes = [line for line in stored.splitlines() if line.startswith("$argon2id$")]
    assert len(hashes) >= 2  # the scan sees the users' rows
    # httpcore's DEBUG wire trace is the test client's own (it prints the headers it received); the
    # service's log lines are everything else.
    logs = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("httpcore"))
    issued = {
        "signup access token": signup["access_token"],
        "signup refresh token": signup["refresh_token"],
        "login access token": login["access_token"],
        "login refresh token": login["refresh_token"],
        "rotated access token": rotated["access_token"],
        "rotated refresh token": rotated["refresh_token"],
    }
    for name, secret in issued.items():
        assert secret not in logs, f"the {name} appears in a log line"
        assert secret not in stored, f"the {name} is stored"
        shown = [i for i, text in enumerate(responses) if secret in text]
        assert len(shown) == 1, f"the {name} appears in {len(shown)} responses"
    for name, secret in {
        "password": PASSWORD,
        "new password": NEW_PASSWORD,
        "jwt secret": stack.settings.jwt_secret,
    }.items():
        assert secret
        assert secret not in logs, f"the {name} appears in a log line"
        assert all(secret not in text for text in responses), f"the {name} appears in a response"
        assert secret not in stored, f"the {name} is stored"
    for value in hashes:
        assert value not in logs, "a password hash appears in a log line"
        assert all(value not in text for text in responses), "a password hash appears in a response"
