"""Error responses become the error class of their ``type``, with code, param, request id and status."""

from __future__ import annotations

import httpx
import micropay_sdk
import micropay_sdk.errors
import pytest
from micropay_sdk import (
    APIError,
    AuthenticationError,
    IdempotencyError,
    InvalidRequestError,
    MicropayError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
)

from tests.sdk.double import API_KEY, ScriptedServer, error_response, intent_body, json_response


@pytest.mark.parametrize(
    ("status", "type_", "code", "error"),
    [
        (400, "invalid_request_error", "phone_number_invalid", InvalidRequestError),
        (401, "authentication_error", "api_key_invalid", AuthenticationError),
        (403, "permission_error", "publishable_key_forbidden", PermissionDeniedError),
        (404, "invalid_request_error", "resource_missing", InvalidRequestError),
        (409, "invalid_request_error", "intent_unexpected_state", InvalidRequestError),
        (422, "idempotency_error", "idempotency_key_reused", IdempotencyError),
        (502, "provider_error", "provider_configuration_error", ProviderError),
        (429, "rate_limit_error", "too_many_requests", RateLimitError),
        (500, "api_error", "internal_error", APIError),
        (418, "teapot_error", "brewing", APIError),
    ],
)
def test_error_class_by_type(status: int, type_: str, code: str, error: type[MicropayError]) -> None:
    answer = error_response(status, type_, code, param="phone_number")
    server = ScriptedServer(answer)

    with pytest.raises(error) as caught:
        server.client(max_retries=0).payment_intents.confirm("pi_" + "1" * 24, phone_number="0700")

    raised = caught.value
    assert type(raised) is error
    assert raised.http_status == status
    assert raised.type == type_
    assert raised.code == code
    assert raised.param == "phone_number"
    assert raised.request_id == answer.json()["error"]["request_id"]
    assert raised.message == f"{code} happened"
    assert code in str(raised)
    assert raised.request_id in str(raised)


def test_permission_error_does_not_shadow_the_builtin() -> None:
    assert not hasattr(micropay_sdk, "PermissionError")
    assert not hasattr(micropay_sdk.errors, "PermissionError")
    assert not issubclass(PermissionDeniedError, PermissionError)


def test_a_body_without_an_error_object_is_an_api_error_with_the_request_id() -> None:
    answer = httpx.Response(502, content=b"<html>bad gateway</html>", headers={"Request-Id": "req_proxy"})
    server = ScriptedServer(answer)

    with pytest.raises(APIError) as caught:
        server.client().payment_intents.retrieve("pi_" + "1" * 24)

    assert caught.value.http_status == 502
    assert caught.value.request_id == "req_proxy"


def test_a_success_body_that_is_not_the_object_is_an_api_error() -> None:
    server = ScriptedServer(json_response(200, {"object": "payment_intent", "id": 7}))

    with pytest.raises(APIError, match="could not be read"):
        server.client().payment_intents.retrieve("pi_" + "1" * 24)


def test_a_failed_confirm_inside_create_carries_the_created_intent() -> None:
    answer = error_response(502, "provider_error", "provider_configuration_error")
    body = answer.json()
    body["error"]["payment_intent"] = intent_body(client_secret="pi_1_secret_2")
    server = ScriptedServer(json_response(502, body))

    with pytest.raises(ProviderError) as caught:
        server.client().payment_intents.create(amount=150000, currency="kes", phone_number="0708374149", confirm=True)

    assert caught.value.payment_intent is not None
    assert caught.value.payment_intent.id == intent_body()["id"]
    assert caught.value.payment_intent.client_secret == "pi_1_secret_2"


def test_no_secret_in_reprs_or_errors() -> None:
    server = ScriptedServer(
        json_response(201, intent_body(client_secret="pi_1_secret_topsecret")),
        error_response(401, "authentication_error", "api_key_invalid"),
    )
    client = server.client(max_retries=0)

    intent = client.payment_intents.create(amount=150000, currency="kes")
    with pytest.raises(AuthenticationError) as caught:
        client.payment_intents.list()

    assert intent.client_secret == "pi_1_secret_topsecret"
    assert "topsecret" not in repr(intent)
    assert API_KEY not in repr(client)
    assert API_KEY not in str(caught.value)
    assert API_KEY not in repr(caught.value)
