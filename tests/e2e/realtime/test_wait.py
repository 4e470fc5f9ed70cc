"""``GET /v1/payment_intents/{id}/wait`` over real HTTP, on SQLite and Postgres (contract §11).

The pushes use 254711000099 (the simulator never calls back), so the only change is the callback the test
posts itself, at a moment it chooses; the waits' timing is measured around it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.e2e.client import Api, Merchant, bearer, error_of, of_kind
from tests.e2e.harness import Stack, success_callback

AMOUNT = 2300


async def pushed(api: Api, merchant: Merchant, stack: Stack) -> tuple[dict[str, Any], str]:
    intent = await api.create_ok(merchant.sk_test, amount=AMOUNT, phone_number="254711000099")
    confirmed = await api.confirm(merchant.sk_test, intent["id"])
    assert confirmed.json()["status"] == "processing"
    (push,) = of_kind(await api.attempts(merchant.sk_test, intent["id"]), "stk_push")
    return confirmed.json(), stack.tokens.token_for_hint(push["callback_token"])


async def wait(http: httpx.AsyncClient, key: str, intent_id: str, **params: Any) -> httpx.Response:
    return await http.get(
        f"/v1/payment_intents/{intent_id}/wait", params=params, headers=bearer(key), timeout=httpx.Timeout(40.0)
    )


async def settle_after(api: Api, token: str, intent: dict[str, Any], delay: float) -> float:
    """Post the success callback after ``delay`` seconds; returns when it was handled (monotonic)."""
    await asyncio.sleep(delay)
    body = success_callback(intent["mpesa"]["checkout_request_id"], amount_shillings=AMOUNT / 100)
    response = await api.callback(token, body)
    assert response.status_code == 200
    return time.monotonic()


async def test_a_terminal_wait_answers_within_a_second_of_the_callback(
    api: Api, http: httpx.AsyncClient, merchant: Merchant, stack: Stack
) -> None:
    intent, token = await pushed(api, merchant, stack)
    started = time.monotonic()

    response, handled = await asyncio.gather(
        wait(http, merchant.sk_test, intent["id"], until="terminal", timeout=10), settle_after(api, token, intent, 0.5)
    )

    answered = time.monotonic()
    assert response.status_code == 200
    assert "micropay-wait" not in response.headers
    assert response.json()["status"] == "succeeded"
    assert response.json()["metadata"] == {}
    assert answered - started >= 0.5  # it really waited for the callback...
    assert answered - handled < 1.0  # ...and answered within a second of it
    assert response.headers["cache-control"] == "no-store"


async def test_an_intent_already_terminal_answers_at_once(
    api: Api, http: httpx.AsyncClient, merchant: Merchant
) -> None:
    intent = await api.create_ok(merchant.sk_test)
    assert (await api.cancel(merchant.sk_test, intent["id"])).status_code == 200
    started = time.monotonic()

    response = await wait(http, merchant.sk_test, intent["id"], timeout=10)

    assert time.monotonic() - started < 1.0
    assert response.status_code == 200
    assert response.json()["status"] == "canceled"
    assert "micropay-wait" not in response.headers


async def test_a_wait_times_out_with_the_current_intent_and_the_header(
    api: Api, http: httpx.AsyncClient, merchant: Merchant
) -> None:
    intent = await api.create_ok(merchant.sk_test)
    started = time.monotonic()

    response = await wait(http, merchant.sk_test, intent["id"], until="terminal", timeout=1)

    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.headers["micropay-wait"] == "timeout"
    assert response.json()["status"] == "requires_payment_method"
    assert response.json()["version"] == intent["version"]
    assert 1.0 <= elapsed < 2.0


async def test_a_change_wait_answers_for_a_version_past_the_one_given(
    api: Api, http: httpx.AsyncClient, merchant: Merchant, stack: Stack
) -> None:
    intent, token = await pushed(api, merchant, stack)
    # A caller that saw an older version (the intent has moved on since): no waiting at all.
    stale = await wait(http, merchant.sk_test, intent["id"], until="change", version=intent["version"] - 1, timeout=5)
    assert stale.status_code == 200
    assert "micropay-wait" not in stale.headers
    assert stale.json()["version"] == intent["version"]

    response, _ = await asyncio.gather(
        wait(http, merchant.sk_test, intent["id"], until="change", version=intent["version"], timeout=10),
        settle_after(api, token, intent, 0.3),
    )

    assert response.status_code == 200
    assert "micropay-wait" not in response.headers
    assert response.json()["version"] > intent["version"]
    assert response.json()["status"] == "succeeded"


async def test_a_change_wait_without_version_waits_for_the_next_change(
    api: Api, http: httpx.AsyncClient, merchant: Merchant
) -> None:
    intent = await api.create_ok(merchant.sk_test)

    async def cancel_soon() -> None:
        await asyncio.sleep(0.3)
        assert (await api.cancel(merchant.sk_test, intent["id"])).status_code == 200

    response, _ = await asyncio.gather(
        wait(http, merchant.sk_test, intent["id"], until="change", timeout=10), cancel_soon()
    )

    assert response.json()["status"] == "canceled"
    assert "micropay-wait" not in response.headers


async def test_a_publishable_key_waits_with_the_client_secret_and_never_without(
    api: Api, http: httpx.AsyncClient, merchant: Merchant
) -> None:
    created = await api.create_ok(merchant.sk_test, metadata={"order": "1001"})
    secret = created["client_secret"]

    with_secret = await wait(http, merchant.pk_test, created["id"], client_secret=secret, timeout=1)
    without = await wait(http, merchant.pk_test, created["id"], timeout=1)
    wrong = await wait(http, merchant.pk_test, created["id"], client_secret=f"{created['id']}_secret_nope", timeout=1)

    assert with_secret.status_code == 200
    assert with_secret.headers["micropay-wait"] == "timeout"
    assert "metadata" not in with_secret.json()
    assert with_secret.json()["client_secret"] is None
    assert without.status_code == 403
    assert error_of(without)["type"] == "permission_error"
    assert wrong.status_code == 404
    assert error_of(wrong)["code"] == "resource_missing"


async def test_another_merchants_intent_is_missing_and_no_key_is_401(
    api: Api, http: httpx.AsyncClient, merchant: Merchant, other_merchant: Merchant
) -> None:
    intent = await api.create_ok(merchant.sk_test)

    theirs = await wait(http, other_merchant.sk_test, intent["id"], timeout=1)
    live = await wait(http, merchant.sk_live, intent["id"], timeout=1)
    anonymous = await http.get(f"/v1/payment_intents/{intent['id']}/wait")

    assert theirs.status_code == 404
    assert live.status_code == 404  # the sandbox intent does not exist in production
    assert anonymous.status_code == 401


async def test_bad_parameters_are_400_naming_the_parameter(
    api: Api, http: httpx.AsyncClient, merchant: Merchant
) -> None:
    intent = await api.create_ok(merchant.sk_test)
    cases = {
        "timeout": [{"timeout": 0}, {"timeout": 31}, {"timeout": "soon"}],
        "until": [{"until": "forever"}],
        "version": [{"version": -1}, {"version": "x"}],
    }
    for param, variants in cases.items():
        for params in variants:
            response = await wait(http, merchant.sk_test, intent["id"], **params)
            assert response.status_code == 400, (params, response.text)
            assert error_of(response)["param"] == param, (params, response.text)
            assert error_of(response)["type"] == "invalid_request_error"
