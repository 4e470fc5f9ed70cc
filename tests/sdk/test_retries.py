"""Retries (contract §12): which failures, how often, with which key, and how long between them."""

from __future__ import annotations

import random

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from micropay_sdk import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    IdempotencyError,
    InvalidRequestError,
    PaymentIntent,
    ProviderError,
    RateLimitError,
    RetryPolicy,
)
from micropay_sdk.retries import parse_retry_after

from tests.sdk.double import NO_BACKOFF, ScriptedServer, error_response, intent_body, json_response

OK = json_response(201, intent_body())


def _create(server: ScriptedServer, retry: RetryPolicy = NO_BACKOFF) -> PaymentIntent:
    return server.client(retry=retry).payment_intents.create(amount=150000, currency="kes")


@pytest.mark.parametrize(
    "failure",
    [
        error_response(503, "provider_error", "provider_unavailable", headers={"Retry-After": "1"}),
        error_response(429, "rate_limit_error", "rate_limited"),
        error_response(409, "idempotency_error", "idempotency_key_in_use"),
        error_response(503, "api_error", "storage_unavailable", headers={"Retry-After": "1"}),
    ],
    ids=["503-provider", "429", "409-key-in-use", "503-storage"],
)
def test_retryable_answers_are_retried_with_the_same_idempotency_key(failure: httpx.Response) -> None:
    server = ScriptedServer(failure, failure, OK)

    intent = _create(server)

    assert intent.id == intent_body()["id"]
    assert len(server.requests) == 3
    keys = server.keys()
    assert keys[0] is not None
    assert len(keys[0]) >= 32
    assert keys == [keys[0]] * 3
    assert server.bodies() == [{"amount": 150000, "currency": "kes"}] * 3


def test_after_two_retries_the_last_error_is_raised() -> None:
    failure = error_response(503, "provider_error", "provider_unavailable", headers={"Retry-After": "2"})
    server = ScriptedServer(failure)

    with pytest.raises(ProviderError) as caught:
        _create(server)

    assert len(server.requests) == 3
    assert caught.value.http_status == 503
    assert caught.value.code == "provider_unavailable"
    assert caught.value.retry_after == 2.0


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (error_response(400, "invalid_request_error", "amount_invalid", param="amount"), InvalidRequestError),
        (error_response(404, "invalid_request_error", "resource_missing"), InvalidRequestError),
        (error_response(409, "invalid_request_error", "intent_unexpected_state"), InvalidRequestError),
        (error_response(422, "idempotency_error", "idempotency_key_reused"), IdempotencyError),
        (error_response(502, "provider_error", "provider_configuration_error"), ProviderError),
        (error_response(500, "api_error", "internal_error"), APIError),
    ],
    ids=["400", "404", "409-state", "422", "502", "500"],
)
def test_other_errors_are_never_retried(failure: httpx.Response, error: type[Exception]) -> None:
    server = ScriptedServer(failure, OK)

    with pytest.raises(error):
        _create(server)

    assert len(server.requests) == 1


def test_a_connection_error_is_retried_with_the_same_key_and_then_succeeds() -> None:
    server = ScriptedServer(httpx.ConnectError("refused"), httpx.ReadTimeout("lost"), OK)

    _create(server)

    assert len(server.requests) == 3
    assert len(set(server.keys())) == 1


def test_connection_errors_past_the_retries_raise_api_connection_error() -> None:
    server = ScriptedServer(httpx.ReadTimeout("answer lost"))

    with pytest.raises(APITimeoutError) as caught:
        _create(server)

    assert isinstance(caught.value, APIConnectionError)
    assert caught.value.http_status is None
    assert len(server.requests) == 3


def test_each_call_gets_its_own_key_and_a_given_key_is_used_as_is() -> None:
    server = ScriptedServer(OK)
    client = server.client(retry=NO_BACKOFF)

    client.payment_intents.create(amount=150000, currency="kes")
    client.payment_intents.create(amount=150000, currency="kes")
    client.payment_intents.create(amount=150000, currency="kes", idempotency_key="order-1001")

    first, second, given_key = server.keys()
    assert first != second
    assert given_key == "order-1001"


def test_gets_carry_no_idempotency_key_and_are_retried_too() -> None:
    busy = error_response(429, "rate_limit_error", "rate_limited")
    server = ScriptedServer(busy, json_response(200, intent_body()))

    server.client(retry=NO_BACKOFF).payment_intents.retrieve("pi_" + "1" * 24)

    assert server.keys() == [None, None]
    assert [r.method for r in server.requests] == ["GET", "GET"]


def test_max_retries_zero_sends_once() -> None:
    server = ScriptedServer(error_response(503, "provider_error", "provider_unavailable"))

    with pytest.raises(ProviderError):
        server.client(max_retries=0).payment_intents.create(amount=150000, currency="kes")

    assert len(server.requests) == 1


def test_retry_after_is_waited_at_least() -> None:
    failure = error_response(429, "rate_limit_error", "rate_limited", headers={"Retry-After": "7"})
    server = ScriptedServer(failure, OK)

    _create(server, RetryPolicy())

    assert len(server.sleeps) == 1
    assert 7.0 <= server.sleeps[0] <= 7.5


def test_a_retry_after_longer_than_the_cap_is_not_waited_out() -> None:
    failure = error_response(503, "provider_error", "provider_unavailable", headers={"Retry-After": "600"})
    server = ScriptedServer(failure, OK)

    with pytest.raises(ProviderError) as caught:
        _create(server, RetryPolicy(max_retry_after=60))

    assert caught.value.retry_after == 600
    assert server.sleeps == []
    assert len(server.requests) == 1


def test_without_retry_after_the_waits_grow_with_jitter() -> None:
    server = ScriptedServer(httpx.ConnectError("refused"), httpx.ConnectError("refused"), OK)

    _create(server, RetryPolicy(initial_delay=1.0, max_delay=8.0))

    first, second = server.sleeps
    assert 0.5 <= first <= 1.0
    assert 1.0 <= second <= 2.0


def test_backoff_off_never_sleeps() -> None:
    failure = error_response(503, "provider_error", "provider_unavailable", headers={"Retry-After": "30"})
    server = ScriptedServer(failure, failure, OK)

    _create(server, NO_BACKOFF)

    assert server.sleeps == []
    assert len(server.requests) == 3


@given(retry_number=st.integers(0, 20), seed=st.integers())
def test_backoff_stays_within_half_and_all_of_its_ceiling(retry_number: int, seed: int) -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    ceiling = min(8.0, 0.5 * 2**retry_number)

    delay = policy.backoff_delay(retry_number, random.Random(seed))

    assert ceiling / 2 <= delay <= ceiling


@given(retry_after=st.floats(0, 60), retry_number=st.integers(0, 1), seed=st.integers())
def test_a_retry_after_within_the_cap_is_a_floor(retry_after: float, retry_number: int, seed: int) -> None:
    policy = RetryPolicy()

    delay = policy.delay_after_response(retry_number, 503, "provider_unavailable", retry_after, random.Random(seed))

    assert delay is not None
    assert delay >= retry_after


def test_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


def test_rate_limit_errors_are_rate_limit_errors_whatever_their_type() -> None:
    server = ScriptedServer(error_response(429, "invalid_request_error", "too_many_attempts"))

    with pytest.raises(RateLimitError):
        server.client(max_retries=0).payment_intents.list()


def test_a_transport_error_that_cannot_succeed_is_not_retried() -> None:
    server = ScriptedServer(httpx.UnsupportedProtocol("no"))

    with pytest.raises(APIConnectionError):
        _create(server)

    assert len(server.requests) == 1


@pytest.mark.parametrize("bad", [{"max_retries": -1}, {"initial_delay": -1.0}, {"max_retry_after": -1.0}])
def test_a_policy_with_negative_numbers_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        RetryPolicy(**bad)  # type: ignore[arg-type]
