"""Dashboard sessions end to end over HTTP, on SQLite and Postgres (contract §10).

Sign-up, login, refresh (the race window and a reuse that revokes the family), logout, revocation from
another session, password change, and an access token that stops working the moment its session ends.
"""

from __future__ import annotations

import asyncio
import base64
import json

import httpx

from tests.e2e.client import error_of
from tests.e2e.harness import Stack
from tests.e2e.sessions_client import PASSWORD, log_in, refresh, session_headers, sign_up, unique_email


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


async def test_sign_up_logs_in_and_the_session_acts_on_both_environments(http: httpx.AsyncClient) -> None:
    email = unique_email("owner")
    tokens = await sign_up(http, email)

    assert tokens["object"] == "session"
    assert (tokens["token_type"], tokens["expires_in"]) == ("bearer", 3600)
    assert tokens["refresh_token"].startswith("mpr_")
    assert len(tokens["refresh_token"]) == 4 + 43
    assert tokens["user"]["id"].startswith("usr_")
    assert (tokens["user"]["email"], tokens["user"]["role"]) == (email, "owner")
    assert tokens["merchant"]["id"].startswith("acct_")
    assert tokens["merchant"]["name"] == "Duka Ltd"
    claims = _claims(tokens["access_token"])
    assert claims["sub"] == tokens["user"]["id"]
    assert claims["mer"] == tokens["merchant"]["id"]
    assert claims["role"] == "owner"
    assert claims["exp"] == claims["iat"] + 3600
    me = await http.get("/v1/me", headers=session_headers(tokens))
    assert me.status_code == 200, me.text
    assert me.json()["user"]["id"] == tokens["user"]["id"]
    assert me.json()["environment"] == "sandbox"

    sandbox = await http.post(
        "/v1/payment_intents", json={"amount": 1500, "currency": "kes"}, headers=session_headers(tokens)
    )
    production = await http.post(
        "/v1/payment_intents",
        json={"amount": 1500, "currency": "kes"},
        headers=session_headers(tokens, "production"),
    )
    assert sandbox.status_code == 201
    assert sandbox.json()["livemode"] is False
    assert production.status_code == 201
    assert production.json()["livemode"] is True
    listed = await http.get("/v1/payment_intents", headers=session_headers(tokens, "production"))
    assert [i["id"] for i in listed.json()["data"]] == [production.json()["id"]]
    keys = await http.get("/v1/api_keys", headers=session_headers(tokens, "production"))
    assert sorted(k["display_prefix"][:8] for k in keys.json()["data"]) == ["pk_live_", "sk_live_"]


async def test_the_email_is_case_insensitive_and_unique(http: httpx.AsyncClient) -> None:
    email = unique_email("case")
    await sign_up(http, email)

    again = await http.post(
        "/v1/auth/signup", json={"email": email.upper(), "password": PASSWORD, "business_name": "Copy"}
    )
    tokens = await log_in(http, email.lower())

    assert again.status_code == 400
    assert (error_of(again)["code"], error_of(again)["param"]) == ("email_taken", "email")
    assert tokens["user"]["email"] == email


async def test_a_wrong_password_and_an_unknown_email_get_the_same_401(http: httpx.AsyncClient) -> None:
    email = unique_email("wrong")
    await sign_up(http, email)

    wrong = await http.post("/v1/auth/login", json={"email": email, "password": "not the password"})
    unknown = await http.post("/v1/auth/login", json={"email": unique_email("nobody"), "password": PASSWORD})

    for response in (wrong, unknown):
        assert response.status_code == 401
        error = error_of(response)
        assert (error["type"], error["code"]) == ("authentication_error", "invalid_credentials")
    assert error_of(wrong)["message"] == error_of(unknown)["message"]
    assert "set-cookie" not in wrong.headers


async def test_the_sixth_failure_for_an_email_is_throttled_with_retry_after(http: httpx.AsyncClient) -> None:
    email = unique_email("throttled")
    await sign_up(http, email)
    for _ in range(5):
        failed = await http.post("/v1/auth/login", json={"email": email, "password": "guess-guess-guess"})
        assert failed.status_code == 401

    locked = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})

    assert locked.status_code == 429
    assert error_of(locked)["code"] == "too_many_attempts"
    assert 1 <= int(locked.headers["retry-after"]) <= 60
    other = await sign_up(http)
    assert (await log_in(http, other["user"]["email"]))["object"] == "session"  # another email is not throttled


async def test_refresh_rotates_replays_within_the_window_and_revokes_the_family_on_reuse(
    http: httpx.AsyncClient,
) -> None:
    first = await sign_up(http)
    rotated = await refresh(http, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]

    raced = await refresh(http, first["refresh_token"])  # a second tab, within 10 s
    assert raced.status_code == 200
    assert (raced.json()["access_token"], raced.json()["refresh_token"]) == (
        second["access_token"],
        second["refresh_token"],
    )
    third = (await refresh(http, second["refresh_token"])).json()
    assert (await http.get("/v1/me", headers=session_headers(third))).status_code == 200

    await asyncio.sleep(11)  # past the race window: presenting a spent token is now a reuse
    reused = await refresh(http, first["refresh_token"])

    assert reused.status_code == 401
    assert (error_of(reused)["type"], error_of(reused)["code"]) == ("authentication_error", "refresh_token_reused")
    after = await refresh(http, third["refresh_token"])  # the newest token of the family is dead too
    assert after.status_code == 401
    assert error_of(after)["code"] == "refresh_token_invalid"
    refused = await http.get("/v1/me", headers=session_headers(third))
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "access_token_invalid"


async def test_logout_refuses_the_access_token_and_the_refresh_token_at_once(http: httpx.AsyncClient) -> None:
    tokens = await sign_up(http)
    assert (await http.get("/v1/payment_intents", headers=session_headers(tokens))).status_code == 200

    out = await http.post("/v1/auth/logout", headers=session_headers(tokens))

    assert out.status_code == 200
    assert out.json()["deleted"] is True
    refused = await http.get("/v1/payment_intents", headers=session_headers(tokens))
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "access_token_invalid"
    assert (await refresh(http, tokens["refresh_token"])).status_code == 401


async def test_a_session_revoked_from_another_stops_working_at_once(http: httpx.AsyncClient) -> None:
    email = unique_email("two-tabs")
    laptop = await sign_up(http, email)
    phone = await log_in(http, email)
    listed = (await http.get("/v1/auth/sessions", headers=session_headers(laptop))).json()["data"]
    assert len(listed) == 2
    assert [s["current"] for s in listed].count(True) == 1
    phone_id = _claims(phone["access_token"])["sid"]

    revoked = await http.delete(f"/v1/auth/sessions/{phone_id}", headers=session_headers(laptop))

    assert revoked.status_code == 200
    refused = await http.get("/v1/me", headers=session_headers(phone))
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "access_token_invalid"
    assert (await http.get("/v1/me", headers=session_headers(laptop))).status_code == 200
    again = await http.delete(f"/v1/auth/sessions/{phone_id}", headers=session_headers(laptop))
    assert again.status_code == 404


async def test_changing_the_password_ends_every_other_session(http: httpx.AsyncClient) -> None:
    email = unique_email("rotate")
    current = await sign_up(http, email)
    other = await log_in(http, email)
    new_password = "a much better passphrase"

    wrong = await http.post(
        "/v1/auth/password",
        json={"current_password": "not it at all", "new_password": new_password},
        headers=session_headers(current),
    )
    changed = await http.post(
        "/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=session_headers(current),
    )

    assert wrong.status_code == 401
    assert error_of(wrong)["code"] == "invalid_credentials"
    assert changed.status_code == 200
    assert changed.json()["sessions_ended"] == 1
    assert (await http.get("/v1/me", headers=session_headers(other))).status_code == 401
    assert (await http.get("/v1/me", headers=session_headers(current))).status_code == 200
    old = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    assert (await log_in(http, email, new_password))["object"] == "session"


async def test_a_developer_may_not_manage_users_or_roll_production_keys(http: httpx.AsyncClient, stack: Stack) -> None:
    owner = await sign_up(http)
    dev_email = unique_email("dev")
    added = await http.post(
        "/v1/users",
        json={"email": dev_email, "password": PASSWORD, "role": "developer"},
        headers=session_headers(owner),
    )
    assert added.status_code == 200, added.text
    dev = await log_in(http, dev_email)
    assert dev["merchant"]["id"] == owner["merchant"]["id"]
    assert dev["user"]["role"] == "developer"

    live_roll = await http.post(
        "/v1/api_keys/roll", json={"type": "secret"}, headers=session_headers(dev, "production")
    )
    test_roll = await http.post("/v1/api_keys/roll", json={"type": "secret"}, headers=session_headers(dev))
    add_user = await http.post(
        "/v1/users",
        json={"email": unique_email("x"), "password": PASSWORD, "role": "owner"},
        headers=session_headers(dev),
    )
    remove = await http.delete(f"/v1/users/{owner['user']['id']}", headers=session_headers(dev))
    intent = await http.post(
        "/v1/payment_intents", json={"amount": 1500, "currency": "kes"}, headers=session_headers(dev, "production")
    )

    for refused in (live_roll, add_user, remove):
        assert refused.status_code == 403
        assert (error_of(refused)["type"], error_of(refused)["code"]) == ("permission_error", "role_forbidden")
    assert test_roll.status_code == 200
    assert test_roll.json()["key"].startswith("sk_test_")
    assert intent.status_code == 201
    assert intent.json()["livemode"] is True
    owner_roll = await http.post(
        "/v1/api_keys/roll", json={"type": "secret"}, headers=session_headers(owner, "production")
    )
    assert owner_roll.status_code == 200
    assert owner_roll.json()["key"].startswith("sk_live_")


async def test_an_owner_removes_a_user_and_its_sessions_end(http: httpx.AsyncClient, stack: Stack) -> None:
    owner = await sign_up(http)
    email = unique_email("leaver")
    user_id = await stack.create_user(owner["merchant"]["id"], email, PASSWORD, "developer")
    leaver = await log_in(http, email)

    removed = await http.delete(f"/v1/users/{user_id}", headers=session_headers(owner))
    last_owner = await http.delete(f"/v1/users/{owner['user']['id']}", headers=session_headers(owner))

    assert removed.status_code == 200
    assert (await http.get("/v1/me", headers=session_headers(leaver))).status_code == 401
    assert (await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})).status_code == 401
    assert last_owner.status_code == 400
    assert error_of(last_owner)["code"] == "last_owner"
    users = (await http.get("/v1/users", headers=session_headers(owner))).json()["data"]
    assert [u["id"] for u in users] == [owner["user"]["id"]]


async def test_api_keys_cannot_use_session_routes_and_bad_tokens_are_401(http: httpx.AsyncClient, stack: Stack) -> None:
    created = await stack.create_merchant()
    key = {"Authorization": f"Bearer {created.keys['sandbox'].secret}"}
    tokens = await sign_up(http)
    forged = tokens["access_token"][:-4] + ("AAAA" if not tokens["access_token"].endswith("AAAA") else "BBBB")

    sessions = await http.get("/v1/auth/sessions", headers=key)
    bad_env = await http.get("/v1/me", headers=session_headers(tokens, "staging"))
    forged_call = await http.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    me_with_key = await http.get("/v1/me", headers=key)

    assert sessions.status_code == 403
    assert error_of(sessions)["code"] == "session_required"
    assert bad_env.status_code == 400
    assert error_of(bad_env)["param"] == "x-micropay-env"
    assert forged_call.status_code == 401
    assert error_of(forged_call)["code"] == "access_token_invalid"
    assert me_with_key.status_code == 200
    assert me_with_key.json()["user"] is None


async def test_nul_characters_anywhere_are_refused_not_a_server_error(http: httpx.AsyncClient) -> None:
    tokens = await sign_up(http)

    login = await http.post("/v1/auth/login", json={"email": "a\u0000b@example.com", "password": PASSWORD})
    signup = await http.post(
        "/v1/auth/signup", json={"email": unique_email(), "password": PASSWORD, "business_name": "Nul\u0000Ltd"}
    )
    revoke = await http.delete("/v1/auth/sessions/ses_%00", headers=session_headers(tokens))

    assert login.status_code == 401
    assert signup.status_code == 400
    assert error_of(signup)["param"] == "business_name"
    assert revoke.status_code == 404
