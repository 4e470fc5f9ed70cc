"""Webhook endpoints through the SDK against the real API, and ``webhooks.verify`` on what the server sends.

A stack of its own (private targets allowed, as ``make run`` does; a fast dispatcher poll), on SQLite and
on a Postgres database of its own (the delivery queue spans tenants: no other stack's dispatcher may share
it), with a loopback receiver playing the merchant.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from micropay_sdk import InvalidRequestError, Micropay, WebhookVerificationError, webhooks

from tests import pg
from tests.conftest import postgres_url as _postgres_url  # noqa: F401 - the skip/fail rule for Postgres
from tests.e2e.client import Merchant
from tests.e2e.harness import Stack, running_stack
from tests.integration.webhooks.receiver import ReceivedRequest, Receiver, Reply, running_receiver
from tests.sdk.server.conftest import FAST_RETRIES


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hooks_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    options = {"webhooks_allow_private": True, "webhook_poll_interval": 0.1, "webhook_timeout": 2.0}
    if request.param == "postgres":
        pg.require_postgres()
        with pg.postgres_database() as url, running_stack(url, "postgres", **options) as stack:
            yield stack
    else:
        url = pg.migrated_sqlite_file(tmp_path_factory.mktemp("sdk-webhooks") / "micropay.db")
        with running_stack(url, "sqlite", **options) as stack:
            yield stack


@pytest.fixture
async def shop(hooks_stack: Stack) -> Merchant:
    return Merchant.of(await hooks_stack.create_merchant("SDK Webhook Shop"))


@pytest.fixture
def hooks(hooks_stack: Stack, shop: Merchant) -> Iterator[Micropay]:
    with Micropay(shop.sk_test, hooks_stack.api_url, retry=FAST_RETRIES) as sdk:
        yield sdk


def _received(receiver: Receiver, count: int, limit_s: float = 15.0) -> list[ReceivedRequest]:
    deadline = time.monotonic() + limit_s
    while len(receiver.requests()) < count:
        assert time.monotonic() < deadline, f"{len(receiver.requests())} of {count} deliveries arrived"
        time.sleep(0.05)
    return receiver.requests()


def _paid(client: Micropay) -> str:
    intent = client.payment_intents.create(amount=1500, currency="kes", phone_number="0708374149", confirm=True)
    deadline = time.monotonic() + 10
    while client.payment_intents.retrieve(intent.id).status == "processing":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return intent.id


def test_a_payment_reaches_the_endpoint_and_verify_returns_the_typed_event(hooks: Micropay) -> None:
    with running_receiver() as receiver:
        endpoint = hooks.webhook_endpoints.create(
            url=receiver.url + "/hooks", enabled_events=["payment_intent.succeeded"], description="shop"
        )
        intent_id = _paid(hooks)
        (delivered,) = _received(receiver, 1)

    assert endpoint.secret is not None
    assert endpoint.secret.startswith("whsec_")
    event = webhooks.verify(delivered.body, delivered.headers, endpoint.secret)
    assert event.type == "payment_intent.succeeded"
    assert event.id == delivered.headers["webhook-id"]
    assert event.data.object.id == intent_id
    assert event.data.object.status == "succeeded"
    assert hooks.events.retrieve(event.id).id == event.id
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(delivered.body + b" ", delivered.headers, endpoint.secret)
    deliveries = hooks.webhook_endpoints.deliveries(endpoint.id)
    assert [d.event for d in deliveries] == [event.id]
    assert deliveries.data[0].status == "succeeded"
    assert deliveries.data[0].attempts[0].http_status == 200
    assert [d.endpoint for d in hooks.events.deliveries(event.id)] == [endpoint.id]


def test_during_a_rotation_both_secrets_verify(hooks: Micropay) -> None:
    with running_receiver() as receiver:
        endpoint = hooks.webhook_endpoints.create(url=receiver.url + "/hooks", enabled_events=["*"])
        rotated = hooks.webhook_endpoints.rotate_secret(endpoint.id, expires_in=3600)
        client_intent = hooks.payment_intents.create(amount=1000, currency="kes")
        (delivered,) = _received(receiver, 1)

    assert endpoint.secret is not None
    assert rotated.secret is not None
    assert rotated.secret != endpoint.secret
    assert len(delivered.headers["webhook-signature"].split()) == 2
    for secret in (endpoint.secret, rotated.secret):
        assert webhooks.verify(delivered.body, delivered.headers, secret).data.object.id == client_intent.id


def test_manage_endpoints(hooks: Micropay) -> None:
    created = hooks.webhook_endpoints.create(url="https://shop.example/hooks", enabled_events=["*"])

    retrieved = hooks.webhook_endpoints.retrieve(created.id)
    updated = hooks.webhook_endpoints.update(created.id, disabled=True, description="paused")
    listed = [e.id for e in hooks.webhook_endpoints.list().auto_paging_iter()]
    recovery = hooks.webhook_endpoints.recover(created.id, since=int(time.time()) - 3600)
    deleted = hooks.webhook_endpoints.delete(created.id)

    assert retrieved.secret is None  # shown only at creation and rotation
    assert retrieved.url == "https://shop.example/hooks"
    assert (updated.status, updated.disabled_reason, updated.description) == ("disabled", "manual", "paused")
    assert listed == [created.id]
    assert recovery.rescheduled == 0
    assert deleted.deleted is True
    with pytest.raises(InvalidRequestError) as caught:
        hooks.webhook_endpoints.retrieve(created.id)
    assert caught.value.http_status == 404


def test_a_url_that_is_not_http_is_refused_with_the_field(hooks_stack: Stack, shop: Merchant) -> None:
    with Micropay(shop.sk_test, hooks_stack.api_url) as sdk, pytest.raises(InvalidRequestError) as caught:
        sdk.webhook_endpoints.create(url="ftp://shop.example/hooks", enabled_events=["*"])

    assert caught.value.param == "url"


def test_a_failed_delivery_is_listed_undelivered_and_a_manual_retry_delivers_it(hooks: Micropay) -> None:
    answers = iter([503, 200])

    def respond(_: ReceivedRequest) -> Reply:
        return Reply(status=next(answers, 200))

    with running_receiver(respond) as receiver:
        endpoint = hooks.webhook_endpoints.create(
            url=receiver.url + "/hooks", enabled_events=["payment_intent.created"]
        )
        intent = hooks.payment_intents.create(amount=1000, currency="kes")
        _received(receiver, 1)
        (event,) = hooks.payment_intents.events(intent.id).data
        undelivered = [e.id for e in hooks.events.list(delivery_success=False).auto_paging_iter()]

        delivery = hooks.events.retry(event.id, endpoint=endpoint.id)
        retried = _received(receiver, 2)[-1]

    assert undelivered == [event.id]
    assert delivery.status == "succeeded"
    assert delivery.event == event.id
    assert [a.http_status for a in delivery.attempts][:2] == [503, 200]
    assert webhooks.verify(retried.body, retried.headers, endpoint.secret or "").id == event.id
    assert [e.id for e in hooks.events.list(delivery_success=False).auto_paging_iter()] == []
