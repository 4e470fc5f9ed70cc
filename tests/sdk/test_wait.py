"""``payment_intents.wait``: the long-poll parameters, chaining past the server's 25 s, and timeouts."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest

from tests.sdk.double import ScriptedServer, error_response, intent_body, json_response

PI = "pi_" + "1" * 24
TIMED_OUT = {"Micropay-Wait": "timeout"}


def _queries(server: ScriptedServer) -> list[dict[str, str]]:
    return [dict(parse_qsl(r.url.query.decode())) for r in server.requests]


def test_wait_returns_the_settled_intent_from_one_long_poll() -> None:
    server = ScriptedServer(json_response(200, intent_body(status="succeeded")))

    intent = server.client().payment_intents.wait(PI)

    assert intent.status == "succeeded"
    assert server.requests[0].url.path == f"/v1/payment_intents/{PI}/wait"
    assert _queries(server) == [{"until": "terminal", "timeout": "25"}]
    assert server.requests[0].extensions["timeout"]["read"] == 35.0


def test_a_long_wait_is_chained_within_the_budget_and_returns_the_last_intent() -> None:
    server = ScriptedServer(
        json_response(200, intent_body(status="processing"), TIMED_OUT),
        json_response(200, intent_body(status="processing"), TIMED_OUT),
        json_response(200, intent_body(status="processing", updated=2), TIMED_OUT),
    )

    intent = server.client().payment_intents.wait(PI, timeout=60)

    assert [q["timeout"] for q in _queries(server)] == ["25", "25", "10"]
    assert intent.status == "processing"
    assert intent.updated == 2


def test_a_wait_that_the_server_answers_stops_the_chain() -> None:
    server = ScriptedServer(
        json_response(200, intent_body(status="processing"), TIMED_OUT),
        json_response(200, intent_body(status="failed")),
        json_response(200, intent_body(status="succeeded")),
    )

    intent = server.client().payment_intents.wait(PI, timeout=120)

    assert intent.status == "failed"
    assert len(server.requests) == 2


def test_until_change_sends_the_version_and_the_client_secret() -> None:
    server = ScriptedServer(json_response(200, intent_body(status="processing", version=4)))

    intent = server.client().payment_intents.wait(PI, until="change", version=3, timeout=5, client_secret="cs")

    assert _queries(server) == [{"until": "change", "version": "3", "client_secret": "cs", "timeout": "5"}]
    assert intent.version == 4


def test_wait_arguments_are_checked_before_any_request() -> None:
    server = ScriptedServer(json_response(200, intent_body()))
    client = server.client()

    with pytest.raises(ValueError, match="timeout"):
        client.payment_intents.wait(PI, timeout=0)
    with pytest.raises(ValueError, match="until"):
        client.payment_intents.wait(PI, until="forever")  # type: ignore[arg-type]
    assert server.requests == []


def test_a_wait_interrupted_by_a_503_is_retried() -> None:
    server = ScriptedServer(
        error_response(503, "api_error", "storage_unavailable", headers={"Retry-After": "1"}),
        json_response(200, intent_body(status="succeeded")),
    )

    intent = server.client().payment_intents.wait(PI)

    assert intent.status == "succeeded"
    assert server.sleeps
    assert server.sleeps[0] >= 1.0


def test_a_lost_long_poll_is_retried() -> None:
    server = ScriptedServer(httpx.ReadTimeout("lost"), json_response(200, intent_body(status="succeeded")))

    assert server.client().payment_intents.wait(PI).status == "succeeded"


def test_a_change_wait_without_a_version_is_pinned_to_the_version_first_seen() -> None:
    server = ScriptedServer(
        json_response(200, intent_body(status="requires_payment_method", version=7), TIMED_OUT),
        json_response(200, intent_body(status="processing", version=8)),
    )

    intent = server.client().payment_intents.wait(PI, until="change", timeout=50)

    first, second = _queries(server)
    assert "version" not in first
    assert second["version"] == "7"
    assert intent.version == 8


async def test_async_wait_chains_too() -> None:
    server = ScriptedServer(
        json_response(200, intent_body(status="processing"), TIMED_OUT),
        json_response(200, intent_body(status="succeeded")),
    )

    async with server.async_client() as client:
        intent = await client.payment_intents.wait(PI, timeout=40)

    assert intent.status == "succeeded"
    assert [q["timeout"] for q in _queries(server)] == ["25", "15"]
