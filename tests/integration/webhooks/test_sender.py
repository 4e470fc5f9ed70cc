"""``HttpxWebhookSender`` against real HTTP receivers on loopback: signature, headers, outcomes, SSRF guard."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from micropay.adapters.system import SystemClock
from micropay.adapters.webhooks.sender import HttpxWebhookSender, make_webhook_client
from micropay.adapters.webhooks.standard_webhooks import encode_secret
from micropay.domain.model.webhooks import SigningSecret
from micropay.ports.webhook_sender import WebhookMessage
from tests.integration.webhooks.receiver import Reply, running_receiver

BODY = json.dumps({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded"}).encode()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_webhook_client(2.0) as client:
        yield client


def sender(client: httpx.AsyncClient, timeout: float = 2.0, resolve: object = None) -> HttpxWebhookSender:
    if resolve is None:
        return HttpxWebhookSender(client, SystemClock(), timeout=timeout)
    return HttpxWebhookSender(client, SystemClock(), timeout=timeout, resolve=resolve)  # type: ignore[arg-type]


def message(url: str, *secrets: SigningSecret, body: bytes = BODY) -> WebhookMessage:
    return WebhookMessage(
        url=url,
        message_id="evt_0000000100000000000000001",
        timestamp=int(time.time()),
        body=body,
        secrets=secrets or (SigningSecret(key=os.urandom(32)),),
    )


async def test_every_header_and_a_signature_standardwebhooks_verifies(client: httpx.AsyncClient) -> None:
    key = os.urandom(32)
    with running_receiver() as receiver:
        sent = message(receiver.url + "/hooks?shop=1", SigningSecret(key=key))
        outcome = await sender(client).send(sent, allow_private=True)
        [request] = receiver.requests()

    assert outcome.http_status == 200
    assert outcome.error is None
    assert request.method == "POST"
    assert request.path == "/hooks?shop=1"
    assert request.body == BODY  # exactly the bytes signed
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "Micropay-Webhooks/1"
    assert headers["webhook-id"] == sent.message_id
    assert headers["webhook-timestamp"] == str(sent.timestamp)
    assert headers["webhook-signature"].startswith("v1,")
    assert " " not in headers["webhook-signature"]
    verified = Webhook(encode_secret(key)).verify(request.body, headers)
    assert verified["type"] == "payment_intent.succeeded"
    with pytest.raises(WebhookVerificationError):
        Webhook(encode_secret(os.urandom(32))).verify(request.body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(encode_secret(key)).verify(request.body + b" ", headers)


async def test_during_a_rotation_both_live_secrets_sign_and_an_expired_one_does_not(client: httpx.AsyncClient) -> None:
    new, old, expired = os.urandom(32), os.urandom(32), os.urandom(32)
    secrets = (
        SigningSecret(key=new),
        SigningSecret(key=old, expires_at=int(time.time()) + 3600),
        SigningSecret(key=expired, expires_at=int(time.time()) - 1),
    )
    with running_receiver() as receiver:
        await sender(client).send(message(receiver.url, *secrets), allow_private=True)
        [request] = receiver.requests()

    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for key in (new, old):
        Webhook(encode_secret(key)).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(encode_secret(expired)).verify(request.body, request.headers)


async def test_the_secret_format_is_whsec_and_base64_of_32_bytes() -> None:
    key = os.urandom(32)
    encoded = encode_secret(key)
    assert encoded.startswith("whsec_")
    assert base64.b64decode(encoded.removeprefix("whsec_")) == key


@pytest.mark.parametrize("status", [410, 500, 404, 301, 429])
async def test_anything_but_2xx_is_a_failure_with_its_status_and_excerpt(
    client: httpx.AsyncClient, status: int
) -> None:
    with running_receiver(lambda _r: Reply(status=status, body=b"x" * 5000)) as receiver:
        outcome = await sender(client).send(message(receiver.url), allow_private=True)
    assert outcome.http_status == status
    assert outcome.error == f"HTTP {status}"
    assert outcome.response_excerpt == "x" * 1024  # the first 1 KB only


async def test_retry_after_is_read_in_seconds(client: httpx.AsyncClient) -> None:
    with running_receiver(lambda _r: Reply(status=503, headers={"Retry-After": "120"})) as receiver:
        outcome = await sender(client).send(message(receiver.url), allow_private=True)
    assert outcome.http_status == 503
    assert outcome.retry_after == 120


async def test_a_hanging_receiver_times_out(client: httpx.AsyncClient) -> None:
    with running_receiver(lambda _r: Reply(stall=5.0)) as receiver:
        started = time.monotonic()
        outcome = await sender(client, timeout=0.5).send(message(receiver.url), allow_private=True)
        took = time.monotonic() - started
    assert outcome.http_status is None
    assert outcome.error is not None
    assert "timeout" in outcome.error
    assert 0.4 < took < 2.0


async def test_redirects_are_not_followed(client: httpx.AsyncClient) -> None:
    with (
        running_receiver() as target,
        running_receiver(lambda _r: Reply(status=302, headers={"Location": target.url + "/stolen"})) as redirecting,
    ):
        outcome = await sender(client).send(message(redirecting.url), allow_private=True)
        assert outcome.http_status == 302
        assert outcome.error == "HTTP 302"
        assert len(redirecting.requests()) == 1
        assert target.requests() == []


async def test_a_redirect_to_the_metadata_address_is_not_followed(client: httpx.AsyncClient) -> None:
    location = "http://169.254.169.254/latest/meta-data/"
    with running_receiver(lambda _r: Reply(status=307, headers={"Location": location})) as redirecting:
        outcome = await sender(client).send(message(redirecting.url), allow_private=True)
    assert outcome.http_status == 307  # recorded as a failure; nothing was sent to the Location


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "0.0.0.0", "192.168.1.10", "[::ffff:127.0.0.1]"]
)
async def test_the_guard_refuses_non_public_literal_targets(client: httpx.AsyncClient, host: str) -> None:
    outcome = await sender(client).send(message(f"http://{host}:9/hook"), allow_private=False)
    assert outcome.http_status is None
    assert outcome.error is not None
    assert outcome.error.startswith("target_refused")


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "0.0.0.0"])
async def test_the_guard_refuses_a_hostname_resolving_to_a_non_public_address(
    client: httpx.AsyncClient, address: str
) -> None:
    with running_receiver() as receiver:
        asked: list[str] = []

        async def resolve(host: str, port: int) -> list[str]:
            asked.append(host)
            return [address]

        url = f"http://hooks.merchant.test:{receiver.port}/hook"
        outcome = await sender(client, resolve=resolve).send(message(url), allow_private=False)
        assert asked == ["hooks.merchant.test"]
        assert outcome.error is not None
        assert outcome.error.startswith("target_refused")
        assert receiver.requests() == []


async def test_one_private_answer_among_public_ones_is_enough_to_refuse(client: httpx.AsyncClient) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]

    outcome = await sender(client, resolve=resolve).send(message("http://shop.test/hook"), allow_private=False)
    assert outcome.error is not None
    assert outcome.error.startswith("target_refused")


async def test_it_connects_to_the_address_it_checked_and_presents_the_name(client: httpx.AsyncClient) -> None:
    """The name is resolved once, by the guard; the HTTP client gets the address (no second lookup to rebind)."""
    with running_receiver() as receiver:
        calls: list[str] = []

        async def resolve(host: str, port: int) -> list[str]:
            calls.append(host)
            return ["127.0.0.1"]

        url = f"http://merchant.invalid:{receiver.port}/hook"  # .invalid never resolves through real DNS
        outcome = await sender(client, resolve=resolve).send(message(url), allow_private=True)
        [request] = receiver.requests()
    assert outcome.http_status == 200
    assert calls == ["merchant.invalid"]
    assert request.headers["host"] == f"merchant.invalid:{receiver.port}"


async def test_a_name_that_does_not_resolve_is_a_failed_attempt(client: httpx.AsyncClient) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    outcome = await sender(client, resolve=resolve).send(message("https://nowhere.test/"), allow_private=False)
    assert outcome.http_status is None
    assert outcome.error == "target_refused: The host name did not resolve."


async def test_a_refused_connection_is_a_failed_attempt(client: httpx.AsyncClient) -> None:
    with running_receiver() as receiver:
        url = receiver.url
    outcome = await sender(client).send(message(url), allow_private=True)  # nobody listens any more
    assert outcome.http_status is None
    assert outcome.error == "connection failed"
