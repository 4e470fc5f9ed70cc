"""Authentication, tenancy, publishable keys, key rolling and environments (contract §1, §5), in process.

``tests/e2e/test_auth.py`` keeps a smoke case of each kind per backend, and the publishable-key confirm that
waits for the simulator's callback.
"""

from __future__ import annotations

import pytest

from tests.e2e.client import Api, Merchant, bearer, error_of


def assert_unauthenticated(response_status: int, error: dict[str, str]) -> None:
    assert response_status == 401
    assert (error["type"], error["code"]) == ("authentication_error", "api_key_invalid")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Basic c2tfdGVzdDp4"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer sk_test_short"},
        {"Authorization": "Bearer sk_prod_0123456789abcdefghijABCDEFGHIJ01"},
        {"Authorization": "Bearer sk_test_0123456789abcdefghijABCDEFGHIJ01"},  # well formed, unknown
    ],
    ids=["missing", "empty", "basic", "no-key", "malformed", "bad-prefix", "unknown"],
)
async def test_a_request_without_a_valid_key_is_401(api: Api, headers: dict[str, str]) -> None:
    response = await api.http.get("/v1/payment_intents", headers=headers)

    assert_unauthenticated(response.status_code, error_of(response))


async def test_a_bad_key_on_a_post_is_401_and_creates_nothing(api: Api) -> None:
    response = await api.http.post(
        "/v1/payment_intents", json={"amount": 100, "currency": "kes"}, headers=bearer("sk_test_" + "A" * 32)
    )

    assert_unauthenticated(response.status_code, error_of(response))


async def test_the_same_404_for_a_missing_intent_and_another_merchants(
    api: Api, merchant: Merchant, other_merchant: Merchant
) -> None:
    intent = await api.create_ok(merchant.sk_test)
    missing_id = "pi_" + "0" * 24

    theirs = await api.retrieve(other_merchant.sk_test, intent["id"])
    missing = await api.retrieve(other_merchant.sk_test, missing_id)

    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert error_of(theirs)["message"].replace(intent["id"], "X") == error_of(missing)["message"].replace(
        missing_id, "X"
    )


async def test_a_publishable_key_retrieves_with_the_client_secret_without_metadata(
    api: Api, merchant: Merchant
) -> None:
    created = await api.create_ok(merchant.sk_test, metadata={"order_id": "1001"})

    response = await api.retrieve(merchant.pk_test, created["id"], client_secret=created["client_secret"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == created["id"]
    assert "metadata" not in body
    assert body["client_secret"] is None
    assert (await api.intent(merchant.sk_test, created["id"]))["metadata"] == {"order_id": "1001"}


async def test_a_publishable_key_without_the_client_secret_is_403(api: Api, merchant: Merchant) -> None:
    created = await api.create_ok(merchant.sk_test)

    response = await api.retrieve(merchant.pk_test, created["id"])

    assert response.status_code == 403
    assert (error_of(response)["type"], error_of(response)["code"]) == ("permission_error", "publishable_key_forbidden")


@pytest.mark.parametrize("which", ["wrong-secret", "other-intents-secret"])
async def test_a_publishable_key_with_a_wrong_client_secret_is_404(api: Api, merchant: Merchant, which: str) -> None:
    created = await api.create_ok(merchant.sk_test)
    other = await api.create_ok(merchant.sk_test)
    secret = f"{created['id']}_secret_{'x' * 24}" if which == "wrong-secret" else other["client_secret"]

    response = await api.retrieve(merchant.pk_test, created["id"], client_secret=secret)

    assert response.status_code == 404
    assert error_of(response)["code"] == "resource_missing"


async def test_a_publishable_key_may_not_list_create_cancel_or_reconcile(api: Api, merchant: Merchant) -> None:
    created = await api.create_ok(merchant.sk_test)
    secret = created["client_secret"]

    responses = [
        await api.list_intents(merchant.pk_test),
        await api.create(merchant.pk_test),
        await api.cancel(merchant.pk_test, created["id"]),
        await api.reconcile(merchant.pk_test, created["id"]),
        await api.http.get(f"/v1/payment_intents/{created['id']}/attempts", headers=bearer(merchant.pk_test)),
        await api.http.post("/v1/api_keys/roll", json={"type": "secret"}, headers=bearer(merchant.pk_test)),
        await api.http.post(
            f"/v1/payment_intents/{created['id']}/cancel",
            json={},
            headers=bearer(merchant.pk_test),
            params={"client_secret": secret},
        ),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert {(error_of(r)["type"], error_of(r)["code"]) for r in responses} == {
        ("permission_error", "publishable_key_forbidden")
    }
    listed = (await api.list_intents(merchant.sk_test)).json()["data"]
    assert [i["id"] for i in listed] == [created["id"]]
    assert listed[0]["status"] == "requires_payment_method"


async def test_rolling_with_an_overlap_keeps_the_old_key_working(api: Api, merchant: Merchant) -> None:
    response = await api.http.post(
        "/v1/api_keys/roll", json={"type": "secret", "expires_in": 3600}, headers=bearer(merchant.sk_test)
    )

    assert response.status_code == 200, response.text
    new_key = response.json()["key"]
    assert (await api.list_intents(merchant.sk_test)).status_code == 200
    assert (await api.list_intents(new_key)).status_code == 200


async def test_rolling_a_publishable_key(api: Api, merchant: Merchant) -> None:
    created = await api.create_ok(merchant.sk_test)

    response = await api.http.post("/v1/api_keys/roll", json={"type": "publishable"}, headers=bearer(merchant.sk_test))

    new_key = response.json()["key"]
    assert new_key.startswith("pk_test_")
    old = await api.retrieve(merchant.pk_test, created["id"], client_secret=created["client_secret"])
    new = await api.retrieve(new_key, created["id"], client_secret=created["client_secret"])
    assert (old.status_code, new.status_code) == (401, 200)
    assert (await api.list_intents(merchant.sk_test)).status_code == 200


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({}, "type", "parameter_missing"),
        ({"type": "root"}, "type", "parameter_invalid"),
        ({"type": "secret", "expires_in": 7 * 24 * 3600 + 1}, "expires_in", "parameter_invalid"),
        ({"type": "secret", "expires_in": -1}, "expires_in", "parameter_invalid"),
        ({"type": "secret", "expires_in": "soon"}, "expires_in", "parameter_invalid"),
    ],
)
async def test_roll_validates_its_body(
    api: Api, merchant: Merchant, body: dict[str, object], param: str, code: str
) -> None:
    response = await api.http.post("/v1/api_keys/roll", json=body, headers=bearer(merchant.sk_test))

    assert response.status_code == 400
    assert (error_of(response)["param"], error_of(response)["code"]) == (param, code)
    assert (await api.list_intents(merchant.sk_test)).status_code == 200
