"""Helpers for the dashboard-session e2e tests: sign up, log in, and the session's headers."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

PASSWORD = "correct horse battery staple"


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{secrets.token_hex(4)}@Example.COM"


def session_headers(tokens: dict[str, Any], environment: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    if environment is not None:
        headers["x-micropay-env"] = environment
    return headers


async def sign_up(http: httpx.AsyncClient, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
    response = await http.post(
        "/v1/auth/signup",
        json={"email": email or unique_email("owner"), "password": password, "business_name": "Duka Ltd"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def log_in(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await http.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(http: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await http.post("/v1/auth/refresh", json={"refresh_token": refresh_token})
