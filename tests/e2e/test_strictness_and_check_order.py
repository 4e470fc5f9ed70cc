"""Issue 10, defects 3 and 4, over the real server on each backend: authenticate and authorize before the body
is read, and a publishable-key confirm shows the reduced view. Smoke cases: every route, and JSON booleans and
integers strictly everywhere, run in process (``tests/integration/http/test_strictness_and_check_order.py``).
"""

from __future__ import annotations

from tests.e2e.client import Api, Merchant, bearer, error_of


async def test_a_publishable_key_is_refused_before_its_body_is_read(api: Api, merchant: Merchant) -> None:
    response = await api.http.post("/v1/payment_intents", json={"no_such_field": 1}, headers=bearer(merchant.pk_test))
    assert response.status_code == 403, response.text
    assert error_of(response)["type"] == "permission_error"
    put = await api.http.put("/v1/mpesa_credentials", json={"no_such_field": 1}, headers=bearer(merchant.pk_test))
    assert put.status_code == 403, put.text


async def test_no_key_is_401_before_any_400(api: Api) -> None:
    response = await api.http.post("/v1/payment_intents/pi_000000000000000000000001/confirm", json={"no_such_field": 1})
    assert response.status_code == 401, response.text
    assert error_of(response)["type"] == "authentication_error"


async def test_a_publishable_key_confirm_answers_the_reduced_view(api: Api, merchant: Merchant) -> None:
    intent = await api.create_ok(merchant.sk_test, phone_number="254711000099", metadata={"order": "1"})
    confirmed = await api.confirm(merchant.pk_test, intent["id"], {"client_secret": intent["client_secret"]})
    assert confirmed.status_code == 200, confirmed.text
    assert "metadata" not in confirmed.json()
    retrieved = await api.retrieve(merchant.pk_test, intent["id"], client_secret=intent["client_secret"])
    assert set(confirmed.json()) == set(retrieved.json())
    assert (await api.intent(merchant.sk_test, intent["id"]))["metadata"] == {"order": "1"}
