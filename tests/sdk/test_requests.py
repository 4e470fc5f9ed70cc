"""What each resource call puts on the wire: method, path, query, body, headers (contract §3, §8, §9)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import msgspec
import pytest
from micropay_sdk import Micropay

from tests.sdk.double import API_KEY, ScriptedServer, intent_body, json_response, page_body

PI = "pi_" + "1" * 24
ENDPOINT = {
    "id": "we_" + "2" * 24,
    "object": "webhook_endpoint",
    "url": "https://shop.example/hooks",
    "enabled_events": ["*"],
    "description": None,
    "status": "enabled",
    "disabled_reason": None,
    "livemode": False,
    "created": 1764000000,
    "secret": "whsec_c2VjcmV0",
}
DELIVERY = {
    "id": "wd_" + "3" * 24,
    "object": "webhook_delivery",
    "event": "evt_" + "4" * 24,
    "endpoint": ENDPOINT["id"],
    "status": "failed",
    "attempts": [
        {"created": 1, "http_status": 500, "duration_ms": 12, "error": None, "response_excerpt": "oops"},
        {"created": 2, "http_status": None, "duration_ms": 15000, "error": "timeout", "response_excerpt": None},
    ],
    "next_attempt_at": None,
}


def event_body(**changes: Any) -> dict[str, Any]:
    body = {
        "id": "evt_" + "4" * 24,
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": 1764000042,
        "livemode": False,
        "api_version": "2026-12-01",
        "data": {"object": intent_body(status="succeeded")},
        "request": None,
        "pending_webhooks": 1,
    }
    body.update(changes)
    return body


def call(answer: Any, do: Any, status: int = 200) -> tuple[Any, Any]:
    server = ScriptedServer(json_response(status, answer))
    result = do(server.client())
    request = server.requests[0]
    body = msgspec.json.decode(request.content) if request.content else None
    query = parse_qsl(request.url.query.decode(), keep_blank_values=True)
    return result, (request.method, unquote(request.url.path), query, body, request.headers)


def test_create_sends_only_the_given_fields_with_the_key_and_json_headers() -> None:
    intent, (method, path, query, body, headers) = call(
        intent_body(),
        lambda c: c.payment_intents.create(amount=150000, currency="kes", metadata={"order": "1"}, confirm=True),
        201,
    )

    assert (method, path, query) == ("POST", "/v1/payment_intents", [])
    assert body == {"amount": 150000, "currency": "kes", "metadata": {"order": "1"}, "confirm": True}
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("micropay-sdk-python/")
    assert intent.status == "requires_payment_method"


@pytest.mark.parametrize(
    ("do", "expected"),
    [
        (lambda c: c.payment_intents.retrieve(PI), ("GET", f"/v1/payment_intents/{PI}", [], None)),
        (
            lambda c: c.payment_intents.retrieve(PI, client_secret="s"),
            ("GET", f"/v1/payment_intents/{PI}", [("client_secret", "s")], None),
        ),
        (
            lambda c: c.payment_intents.confirm(PI, phone_number="0708374149"),
            ("POST", f"/v1/payment_intents/{PI}/confirm", [], {"phone_number": "0708374149"}),
        ),
        (lambda c: c.payment_intents.confirm(PI), ("POST", f"/v1/payment_intents/{PI}/confirm", [], {})),
        (
            lambda c: c.payment_intents.cancel(PI, cancellation_reason="duplicate"),
            ("POST", f"/v1/payment_intents/{PI}/cancel", [], {"cancellation_reason": "duplicate"}),
        ),
        (lambda c: c.payment_intents.reconcile(PI), ("POST", f"/v1/payment_intents/{PI}/reconcile", [], {})),
    ],
)
def test_intent_calls(do: Any, expected: tuple[Any, ...]) -> None:
    _, (method, path, query, body, _) = call(intent_body(), do)

    assert (method, path, query, body) == expected


def test_an_id_cannot_escape_its_path_segment() -> None:
    _, (_, path, _, _, _) = call(intent_body(), lambda c: c.payment_intents.retrieve("../api_keys/roll"))

    assert path == "/v1/payment_intents/../api_keys/roll"  # one segment, percent-encoded on the wire
    with pytest.raises(ValueError, match="intent_id"):
        Micropay(API_KEY, "http://x.test").payment_intents.retrieve(" ")


def test_the_id_is_percent_encoded_on_the_wire() -> None:
    server = ScriptedServer(json_response(200, intent_body()))
    server.client().payment_intents.retrieve("a/b?c")

    assert server.requests[0].url.raw_path == b"/v1/payment_intents/a%2Fb%3Fc"


def test_event_list_filters_are_encoded_stripe_style() -> None:
    page, (method, path, query, _, _) = call(
        page_body([event_body()], False),
        lambda c: c.events.list(
            type="payment_intent.*", types=["a", "b"], created={"gte": 5, "lt": 9}, delivery_success=False, limit=3
        ),
    )

    assert (method, path) == ("GET", "/v1/events")
    assert query == [
        ("type", "payment_intent.*"),
        ("types[]", "a"),
        ("types[]", "b"),
        ("created[gte]", "5"),
        ("created[lt]", "9"),
        ("delivery_success", "false"),
        ("limit", "3"),
    ]
    assert page.data[0].data.object.status == "succeeded"
    assert page.data[0].type == "payment_intent.succeeded"


@pytest.mark.parametrize(
    ("do", "answer", "expected"),
    [
        (lambda c: c.events.retrieve("evt_1"), event_body(), ("GET", "/v1/events/evt_1", [], None)),
        (
            lambda c: c.payment_intents.events(PI),
            page_body([event_body()], False),
            ("GET", f"/v1/payment_intents/{PI}/events", [], None),
        ),
        (
            lambda c: c.payment_intents.attempts(PI, limit=5),
            page_body([], False),
            ("GET", f"/v1/payment_intents/{PI}/attempts", [("limit", "5")], None),
        ),
        (
            lambda c: c.events.deliveries("evt_1"),
            page_body([DELIVERY], False),
            ("GET", "/v1/events/evt_1/deliveries", [], None),
        ),
        (
            lambda c: c.events.retry("evt_1", endpoint="we_1"),
            DELIVERY,
            ("POST", "/v1/events/evt_1/retry", [], {"endpoint": "we_1"}),
        ),
        (
            lambda c: c.webhook_endpoints.create(url="https://shop.example/hooks", enabled_events=["*"]),
            ENDPOINT,
            ("POST", "/v1/webhook_endpoints", [], {"url": "https://shop.example/hooks", "enabled_events": ["*"]}),
        ),
        (
            lambda c: c.webhook_endpoints.list(),
            page_body([ENDPOINT], False),
            ("GET", "/v1/webhook_endpoints", [], None),
        ),
        (lambda c: c.webhook_endpoints.retrieve("we_1"), ENDPOINT, ("GET", "/v1/webhook_endpoints/we_1", [], None)),
        (
            lambda c: c.webhook_endpoints.update("we_1", disabled=True, description="off"),
            ENDPOINT,
            ("POST", "/v1/webhook_endpoints/we_1", [], {"disabled": True, "description": "off"}),
        ),
        (
            lambda c: c.webhook_endpoints.delete("we_1"),
            {"id": "we_1", "object": "webhook_endpoint", "deleted": True},
            ("DELETE", "/v1/webhook_endpoints/we_1", [], None),
        ),
        (
            lambda c: c.webhook_endpoints.rotate_secret("we_1", expires_in=0),
            ENDPOINT,
            ("POST", "/v1/webhook_endpoints/we_1/rotate_secret", [], {"expires_in": 0}),
        ),
        (
            lambda c: c.webhook_endpoints.rotate_secret("we_1"),
            ENDPOINT,
            ("POST", "/v1/webhook_endpoints/we_1/rotate_secret", [], {}),
        ),
        (
            lambda c: c.webhook_endpoints.deliveries("we_1", limit=2),
            page_body([DELIVERY], False),
            ("GET", "/v1/webhook_endpoints/we_1/deliveries", [("limit", "2")], None),
        ),
        (
            lambda c: c.webhook_endpoints.recover("we_1", since=100, until=200),
            {},
            ("POST", "/v1/webhook_endpoints/we_1/recover", [], {"since": 100, "until": 200}),
        ),
    ],
)
def test_event_and_endpoint_calls(do: Any, answer: Any, expected: tuple[Any, ...]) -> None:
    _, (method, path, query, body, headers) = call(answer, do)

    assert (method, path, query, body) == expected
    assert ("idempotency-key" in headers) == (method == "POST")


def test_an_unexpected_payment_event_carries_what_to_refund() -> None:
    body = event_body(type="payment_intent.unexpected_payment")
    body["data"]["unexpected_payment"] = {"attempt": "pa_1", "receipt_number": "NLJ7RT61SV", "amount": 150000}

    event, _ = call(body, lambda c: c.events.retrieve("evt_1"))

    assert event.data.unexpected_payment is not None
    assert event.data.unexpected_payment.receipt_number == "NLJ7RT61SV"
    assert event.data.unexpected_payment.amount == 150000


def test_typed_objects_decode_the_contract_shapes() -> None:
    server = ScriptedServer(json_response(200, ENDPOINT), json_response(200, page_body([DELIVERY], False)))
    client = server.client()

    endpoint = client.webhook_endpoints.retrieve("we_1")
    delivery = client.webhook_endpoints.deliveries("we_1").data[0]

    assert endpoint.secret == "whsec_c2VjcmV0"
    assert "c2VjcmV0" not in repr(endpoint)
    assert delivery.attempts[1].error == "timeout"
    assert delivery.attempts[0].http_status == 500


def test_recover_accepts_an_empty_202() -> None:
    server = ScriptedServer(httpx.Response(202, headers={"Request-Id": "req_1"}))

    recovery = server.client().webhook_endpoints.recover("we_1", since=1)

    assert recovery.rescheduled is None


def test_unknown_fields_from_a_newer_server_are_ignored() -> None:
    intent, _ = call(intent_body(new_field={"x": 1}, version=4), lambda c: c.payment_intents.retrieve(PI))

    assert intent.version == 4


def test_client_rejects_a_bad_base_url_or_key() -> None:
    with pytest.raises(ValueError, match="base_url"):
        Micropay(API_KEY, "127.0.0.1:8000")
    with pytest.raises(ValueError, match="api_key"):
        Micropay("", "http://127.0.0.1:8000")
    with pytest.raises(ValueError, match="idempotency_key"):
        Micropay(API_KEY, "http://x.test").payment_intents.create(amount=100, currency="kes", idempotency_key="")
