"""Authentication and tenancy over the real server on each backend: smoke cases (contract §1, §5).

The whole matrix (every malformed key, publishable-key rules, rolling, roll bodies) runs in process:
``tests/integration/http/test_auth.py``. Here: an unknown key, tenancy and environments where row-level
security and the key lookup live in each database, rolling a key, and the publishable-key confirm that waits
for the simulator's callback.
"""

from __future__ import annotations

from tests.e2e.client import Api, Merchant, bearer, error_of
from tests.integration.http.test_auth import assert_unauthenticated


async def test_a_well_formed_unknown_key_is_401(api: Api) -> None:
    response = await api.http.get(
        "/v1/payment_intents", headers={"Authorization": "Bearer sk_test_0123456789abcdefghijABCDEFGHIJ01"}
    )

    assert_unauthenticated(response.status_code, error_of(response))


async def test_another_merchants_intent_is_404_for_every_endpoint(
    api: Api, merchant: Merchant, other_merchant: Merchant
) -> None:
    intent = await api.create_ok(merchant.sk_test, phone_number="254708374149")
    key = other_merchant.sk_test

    responses = [
        await api.retrieve(key, intent["id"]),
        await api.confirm(key, intent["id"]),
        await api.cancel(key, intent["id"]),
        await api.reconcile(key, intent["id"]),
        await api.http.get(f"/v1/payment_intents/{intent['id']}/attempts", headers=bearer(key)),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert {error_of(r)["code"] for r in responses} == {"resource_missing"}
    listed = (await api.list_intents(key)).json()
    assert listed["data"] == []
    assert (await api.intent(merchant.sk_test, intent["id"]))["status"] == "requires_payment_method"


async def test_a_publishable_key_confirms_with_the_client_secret(api: Api, merchant: Merchant) -> None:
    created = await api.create_ok(merchant.sk_test)

    without = await api.confirm(merchant.pk_test, created["id"], {"phone_number": "0708374149"})
    wrong = await api.confirm(
        merchant.pk_test, created["id"], {"phone_number": "0708374149", "client_secret": f"{created['id']}_secret_x"}
    )
    right = await api.confirm(
        merchant.pk_test, created["id"], {"phone_number": "0708374149", "client_secret": created["client_secret"]}
    )

    assert (without.status_code, wrong.status_code) == (403, 404)
    assert right.status_code == 200, right.text
    assert right.json()["status"] == "processing"
    assert "metadata" not in right.json() or right.json()["metadata"] == {}
    assert (await api.wait_for_status(merchant.sk_test, created["id"]))["status"] == "succeeded"


async def test_rolling_a_secret_key_retires_the_old_one_at_once(api: Api, merchant: Merchant) -> None:
    response = await api.http.post("/v1/api_keys/roll", json={"type": "secret"}, headers=bearer(merchant.sk_test))

    assert response.status_code == 200, response.text
    body = response.json()
    new_key = body["key"]
    assert new_key.startswith("sk_test_")
    assert len(new_key) == len("sk_test_") + 32
    assert (body["object"], body["type"], body["livemode"]) == ("api_key", "secret", False)
    assert (await api.list_intents(merchant.sk_test)).status_code == 401
    assert (await api.list_intents(new_key)).status_code == 200
    assert (await api.list_intents(merchant.sk_live)).status_code == 200  # production keys are not rolled


async def test_environments_never_mix(api: Api, merchant: Merchant) -> None:
    live = await api.create_ok(merchant.sk_live)
    test = await api.create_ok(merchant.sk_test)

    assert (live["livemode"], test["livemode"]) == (True, False)
    assert (await api.retrieve(merchant.sk_test, live["id"])).status_code == 404
    assert (await api.retrieve(merchant.sk_live, test["id"])).status_code == 404
    assert [i["id"] for i in (await api.list_intents(merchant.sk_test)).json()["data"]] == [test["id"]]
    assert [i["id"] for i in (await api.list_intents(merchant.sk_live)).json()["data"]] == [live["id"]]
    assert (await api.intent(merchant.sk_live, live["id"]))["livemode"] is True
