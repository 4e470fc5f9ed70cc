"""The refresh cookie and the double-submit CSRF check, with real cookie jars (contract §10).

Over real HTTP on loopback (plain http): ``micropay_refresh`` without ``Secure``. In process over https:
``__Host-micropay_refresh`` with ``Secure``. Both: HttpOnly, SameSite=Strict, Path=/, and a cookie-based
refresh needs ``x-micropay-csrf`` equal to the ``micropay_csrf`` cookie.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie

import httpx
import pytest
from litestar.testing import TestClient

from micropay.entrypoints.http.app import create_app
from micropay.entrypoints.settings import Settings
from tests.e2e.client import check_response, error_of
from tests.e2e.harness import Stack, new_vault_key
from tests.e2e.sessions_client import PASSWORD, session_headers, unique_email


def _set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    parsed: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            parsed[name] = cookie
    return parsed


def _attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def _header_for(response: httpx.Response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))


async def test_plain_http_loopback_sets_the_cookie_without_host_prefix_and_needs_the_csrf_header(
    stack: Stack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, event_hooks={"response": [check_response]}) as browser:
        email = unique_email("cookie")
        signup = await browser.post(
            "/v1/auth/signup", json={"email": email, "password": PASSWORD, "business_name": "Jar Ltd"}
        )
        assert signup.status_code == 200
        refresh_header = _header_for(signup, "micropay_refresh")
        csrf_header = _header_for(signup, "micropay_csrf")
        assert {"httponly", "samesite", "path", "max-age"} <= _attributes(refresh_header)
        assert "secure" not in _attributes(refresh_header)
        assert "samesite=strict" in refresh_header.lower()
        assert "path=/" in refresh_header.lower()
        assert "httponly" not in _attributes(csrf_header)  # the dashboard's script must read it
        assert "__Host-micropay_refresh" not in signup.headers.get("set-cookie", "")
        assert browser.cookies.get("micropay_refresh") == signup.json()["refresh_token"]
        csrf = browser.cookies.get("micropay_csrf")
        assert csrf

        missing = await browser.post("/v1/auth/refresh")
        wrong = await browser.post("/v1/auth/refresh", headers={"x-micropay-csrf": "not-the-value"})
        assert missing.status_code == 403
        assert error_of(missing)["code"] == "csrf_token_invalid"
        assert wrong.status_code == 403
        assert error_of(wrong)["code"] == "csrf_token_invalid"

        rotated = await browser.post("/v1/auth/refresh", headers={"x-micropay-csrf": csrf})
        assert rotated.status_code == 200, rotated.text
        assert browser.cookies.get("micropay_refresh") == rotated.json()["refresh_token"]
        assert rotated.json()["refresh_token"] != signup.json()["refresh_token"]
        new_csrf = browser.cookies.get("micropay_csrf")
        assert new_csrf
        assert new_csrf != csrf

        out = await browser.post("/v1/auth/logout", headers=session_headers(rotated.json()))
        assert out.status_code == 200
        assert browser.cookies.get("micropay_refresh") is None  # cleared (Max-Age=0)
        after = await browser.post("/v1/auth/refresh", headers={"x-micropay-csrf": new_csrf})
        assert after.status_code == 400
        assert error_of(after)["code"] == "parameter_missing"


@pytest.fixture
def https_client(sqlite_url: str) -> Iterator[TestClient]:  # type: ignore[type-arg]
    settings = Settings(
        database_url=sqlite_url,
        vault_key=new_vault_key(),
        jwt_secret=new_vault_key(),
        signup="open",
        reconcile_interval=0,
    )
    with TestClient(create_app(settings, configure_logs=False), base_url="https://dashboard.example.com") as client:
        yield client


def test_over_https_the_cookie_is_host_prefixed_and_secure(https_client: TestClient) -> None:  # type: ignore[type-arg]
    signup = https_client.post(
        "/v1/auth/signup", json={"email": unique_email("https"), "password": PASSWORD, "business_name": "TLS Ltd"}
    )
    assert signup.status_code == 200, signup.text
    header = _header_for(signup, "__Host-micropay_refresh")
    assert {"httponly", "secure", "samesite", "path"} <= _attributes(header)
    assert "samesite=strict" in header.lower()
    assert "path=/" in header.lower()
    assert "domain" not in header.lower()
    assert "secure" in _attributes(_header_for(signup, "micropay_csrf"))
    csrf = https_client.cookies.get("micropay_csrf")
    assert csrf

    refused = https_client.post("/v1/auth/refresh", json={})
    rotated = https_client.post("/v1/auth/refresh", json={}, headers={"x-micropay-csrf": csrf})

    assert refused.status_code == 403
    assert rotated.status_code == 200, rotated.text
    assert https_client.cookies.get("__Host-micropay_refresh") == rotated.json()["refresh_token"]


def test_sign_up_is_closed_by_default(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, vault_key=new_vault_key(), jwt_secret=new_vault_key())
    with TestClient(create_app(settings, configure_logs=False)) as client:
        response = client.post(
            "/v1/auth/signup", json={"email": unique_email("closed"), "password": PASSWORD, "business_name": "No"}
        )
    assert response.status_code == 403
    assert (response.json()["error"]["type"], response.json()["error"]["code"]) == ("permission_error", "signup_closed")
