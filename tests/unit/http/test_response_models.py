"""One response model: each presenter returns the Struct its route documents, and encoding it gives the
contract's body. The OpenAPI document's enumerations and bounds are the domain's own, so nothing is kept in
step by hand (there is no second, hand-built shape to compare with)."""

from __future__ import annotations

import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from micropay.domain.model import state_machine as sm
from micropay.domain.model.api_keys import KeyType
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import CONSUMER_KEY_HINT_LENGTH, TransactionType, validate_credentials, view_of
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.events import EventType
from micropay.domain.model.fields import ACCOUNT_REFERENCE_MAX, CANCELLATION_REASON_MAX, DESCRIPTION_MAX
from micropay.domain.model.intent import IntentStatus, PaymentError, PaymentIntent
from micropay.domain.model.money import CENTS_PER_SHILLING, MAX_AMOUNT, MIN_AMOUNT, Money
from micropay.domain.model.msisdn import Msisdn
from micropay.domain.model.provider import AttemptKind, AttemptOutcome, PaymentResult
from micropay.domain.model.public_intent import PublicPaymentIntent
from micropay.domain.model.redaction import TOKEN_HINT_LENGTH
from micropay.domain.model.users import Role
from micropay.domain.model.webhooks import (
    AttemptRecord,
    DeliveryStatus,
    DisabledReason,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from micropay.entrypoints.http import auth_presenters, presenters, webhook_presenters
from micropay.entrypoints.http.app import create_app
from micropay.entrypoints.settings import Settings

TENANT = Tenant(merchant_id="acct_1", environment=Environment.SANDBOX)
NOW = 1_767_225_600


def _created() -> PaymentIntent:
    intent, _ = sm.create(
        intent_id="pi_000000000000000000000001",
        tenant=TENANT,
        money=Money.kes(150_000),
        phone=Msisdn.parse("0708374149"),
        account_reference="INV1",
        description="Order 1",
        metadata={"order": "1"},
        secret_hash="0" * 64,
        now=NOW,
    )
    return intent


def _processing() -> PaymentIntent:
    intent, _ = sm.start_attempt(_created(), attempt_id="pa_1", phone=None, now=NOW + 1)
    intent, _ = sm.accept_attempt(
        intent, attempt_id="pa_1", checkout_request_id="ws_CO_1", merchant_request_id="m-1", now=NOW + 2
    )
    return intent


def _succeeded() -> PaymentIntent:
    result = PaymentResult(result_code="0", amount=150_000, receipt_number="NLJ7RT61SV", transaction_date=NOW + 9)
    return sm.apply_result(_processing(), attempt_id="pa_1", result=result, now=NOW + 10).intent


def _failed() -> PaymentIntent:
    error = PaymentError(code="phone_number_invalid", message="Invalid", mpesa_result_code="400.002.02")
    claimed, _ = sm.start_attempt(_created(), attempt_id="pa_1", phone=None, now=NOW + 1)
    return sm.reject_attempt(claimed, attempt_id="pa_1", error=error, now=NOW + 2)[0]


def _canceled() -> PaymentIntent:
    return sm.cancel(_created(), reason="duplicate", now=NOW + 3)[0]


def _encoded(body: msgspec.Struct) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(body))
    return decoded


@pytest.mark.parametrize("make", [_created, _processing, _succeeded, _failed, _canceled])
def test_every_intent_state_encodes_every_public_field(make: Callable[[], PaymentIntent]) -> None:
    body = _encoded(presenters.intent_body(make(), client_secret="pi_x_secret_y"))
    assert list(body) == list(PublicPaymentIntent.__struct_fields__)
    assert body["object"] == "payment_intent"
    assert body["status"] in {s.value for s in IntentStatus}


def _push_row(**changes: Any) -> ProviderAttempt:
    row = ProviderAttempt(
        id="pa_1",
        intent_id="pi_1",
        merchant_id="acct_1",
        environment=Environment.SANDBOX,
        kind=AttemptKind.STK_PUSH,
        push_id="pa_1",
        created=NOW,
        outcome=AttemptOutcome.ACCEPTED,
        request={"Password": "[REDACTED]"},
        response={"ResponseCode": "0"},
        http_status=200,
        checkout_request_id="ws_CO_1",
        callback_token_hash="f" * 64,
        callback_token_hint="abcdef",
    )
    return msgspec.structs.replace(row, **changes)


def test_an_attempt_row_is_the_contracts_provider_attempt() -> None:
    body = _encoded(presenters.attempt_body(_push_row()))
    assert list(body.items()) == [
        ("id", "pa_1"),
        ("object", "provider_attempt"),
        ("kind", "stk_push"),
        ("created", NOW),
        ("request", {"Password": "[REDACTED]"}),
        ("response", {"ResponseCode": "0"}),
        ("http_status", 200),
        ("outcome", "accepted"),
        ("checkout_request_id", "ws_CO_1"),
        ("callback_token", "abcdef…"),
    ]  # never the token's hash
    unanswered = _encoded(presenters.attempt_body(_push_row(outcome=None, callback_token_hint=None)))
    assert (unanswered["outcome"], unanswered["callback_token"]) == (None, None)


def test_a_list_is_object_data_has_more_url() -> None:
    body = _encoded(presenters.attempt_list([_push_row()], True, "/v1/payment_intents/pi_1/attempts"))
    assert list(body) == ["object", "data", "has_more", "url"]
    assert (body["object"], len(body["data"]), body["has_more"]) == ("list", 1, True)
    intents = _encoded(presenters.intent_list([_created()], False, "/v1/payment_intents"))
    assert (intents["object"], intents["data"][0]["object"], intents["url"]) == (
        "list",
        "payment_intent",
        "/v1/payment_intents",
    )


def test_the_credentials_view_says_deleted_only_when_it_was() -> None:
    credentials = validate_credentials(
        consumer_key="key-1234",
        consumer_secret="secret",
        business_short_code="174379",
        passkey="passkey",
        transaction_type=TransactionType.PAYBILL.value,
    )
    view = view_of(credentials, Environment.SANDBOX, NOW)
    kept = _encoded(presenters.credentials_body(view))
    assert kept == {
        "object": "mpesa_credentials",
        "environment": "sandbox",
        "business_short_code": "174379",
        "transaction_type": "CustomerPayBillOnline",
        "party_b": None,
        "consumer_key_last4": "1234",
        "updated": NOW,
    }
    assert _encoded(presenters.credentials_body(view, deleted=True)) == {**kept, "deleted": True}


def test_a_webhook_endpoint_shows_its_secret_only_when_given() -> None:
    endpoint = WebhookEndpoint(
        id="we_1",
        merchant_id="acct_1",
        environment=Environment.PRODUCTION,
        url="https://shop.example/hooks",
        enabled_events=("payment_intent.*",),
        description=None,
        status=EndpointStatus.DISABLED,
        disabled_reason=DisabledReason.GONE,
        created=NOW,
    )
    body = _encoded(webhook_presenters.endpoint_body(endpoint))
    assert list(body.items()) == [
        ("id", "we_1"),
        ("object", "webhook_endpoint"),
        ("url", "https://shop.example/hooks"),
        ("enabled_events", ["payment_intent.*"]),
        ("description", None),
        ("status", "disabled"),
        ("disabled_reason", "gone"),
        ("livemode", True),
        ("created", NOW),
    ]
    shown = webhook_presenters.endpoint_body(endpoint, secret=b"\x01" * 32, deleted=True)
    assert _encoded(shown)["secret"].startswith("whsec_")
    assert _encoded(shown)["deleted"] is True
    assert "whsec_" not in repr(shown)


def test_a_delivery_lists_its_attempts() -> None:
    delivery = WebhookDelivery(
        id="wd_1",
        event_id="evt_1",
        event_type="payment_intent.succeeded",
        endpoint_id="we_1",
        status=DeliveryStatus.FAILED,
        scheduled_attempts=8,
        next_attempt_at=None,
        created=NOW,
        attempts=(AttemptRecord(created=NOW, http_status=500, duration_ms=12, error=None, response_excerpt="no"),),
    )
    body = _encoded(webhook_presenters.delivery_body(delivery))
    assert list(body) == [
        "object",
        "id",
        "event",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "created",
    ]
    assert (body["object"], body["status"], body["event"], body["endpoint"]) == (
        "webhook_delivery",
        "failed",
        "evt_1",
        "we_1",
    )
    assert body["attempts"] == [
        {"created": NOW, "http_status": 500, "duration_ms": 12, "error": None, "response_excerpt": "no"}
    ]


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    database = Path(tmp_path_factory.mktemp("openapi")) / "never-opened.db"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}", vault_key="A" * 44)
    schema: dict[str, Any] = create_app(settings).openapi_schema.to_schema()
    return schema


def _ok_schema(document: dict[str, Any], path: str, method: str) -> str:
    response = document["paths"][path][method]["responses"]
    status = "201" if "201" in response else "202" if "202" in response else "200"
    ref: str = response[status]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("path", "method", "presenter"),
    [
        ("/v1/payment_intents/{intent_id}", "get", presenters.intent_body),
        ("/v1/payment_intents", "get", presenters.intent_list),
        ("/v1/payment_intents/{intent_id}/attempts", "get", presenters.attempt_list),
        ("/v1/payment_intents/{intent_id}/events", "get", presenters.event_list),
        ("/v1/events", "get", presenters.event_list),
        ("/v1/mpesa_credentials", "get", presenters.credentials_body),
        ("/v1/mpesa_credentials", "delete", presenters.credentials_body),
        ("/v1/webhook_endpoints", "post", webhook_presenters.endpoint_body),
        ("/v1/webhook_endpoints", "get", webhook_presenters.endpoint_list),
        ("/v1/webhook_endpoints/{endpoint_id}/deliveries", "get", webhook_presenters.delivery_list),
        ("/v1/events/{event_id}/retry", "post", webhook_presenters.delivery_body),
        ("/v1/users", "get", auth_presenters.user_list),
        ("/v1/users", "post", auth_presenters.user_body),
        ("/v1/auth/sessions", "get", auth_presenters.session_list),
        ("/v1/auth/login", "post", auth_presenters.tokens_body),
        ("/v1/me", "get", auth_presenters.me_body),
        ("/v1/api_keys", "get", auth_presenters.api_key_list),
        ("/v1/api_keys/roll", "post", auth_presenters.issued_key_body),
    ],
)
def test_each_route_documents_the_struct_its_presenter_builds(
    document: dict[str, Any], path: str, method: str, presenter: Callable[..., msgspec.Struct]
) -> None:
    built = typing.get_type_hints(presenter)["return"]
    assert _ok_schema(document, path, method) == built.__name__


@pytest.mark.parametrize(
    ("schema", "enum"),
    [
        ("IntentStatus", IntentStatus),
        ("AttemptKind", AttemptKind),
        ("AttemptOutcome", AttemptOutcome),
        ("Environment", Environment),
        ("TransactionType", TransactionType),
        ("EndpointStatus", EndpointStatus),
        ("DisabledReason", DisabledReason),
        ("DeliveryStatus", DeliveryStatus),
        ("EventType", EventType),
        ("KeyType", KeyType),
        ("Role", Role),
    ],
)
def test_the_documents_enumerations_are_the_domains(document: dict[str, Any], schema: str, enum: Any) -> None:
    assert document["components"]["schemas"][schema]["enum"] == [member.value for member in enum]


def test_the_documents_bounds_are_the_domains(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    amount = schemas["CreateIntentBody"]["properties"]["amount"]
    assert (amount["minimum"], amount["maximum"], amount["multipleOf"]) == (MIN_AMOUNT, MAX_AMOUNT, CENTS_PER_SHILLING)
    reference = schemas["CreateIntentBody"]["properties"]["account_reference"]["pattern"]
    assert reference == f"^[A-Za-z0-9]{{1,{ACCOUNT_REFERENCE_MAX}}}$"
    assert schemas["CreateIntentBody"]["properties"]["description"]["maxLength"] == DESCRIPTION_MAX
    assert schemas["CancelIntentBody"]["properties"]["cancellation_reason"]["maxLength"] == CANCELLATION_REASON_MAX
    token = schemas["ProviderAttemptObject"]["properties"]["callback_token"]
    assert (token["minLength"], token["maxLength"]) == (TOKEN_HINT_LENGTH + 1, TOKEN_HINT_LENGTH + 1)
    assert schemas["CredentialsObject"]["properties"]["consumer_key_last4"]["maxLength"] == CONSUMER_KEY_HINT_LENGTH
    # request bodies name the domain's enumerations too
    assert schemas["CredentialsBody"]["properties"]["transaction_type"] == {
        "$ref": "#/components/schemas/TransactionType"
    }
    assert {"$ref": "#/components/schemas/KeyType"} in schemas["RollKeyBody"]["properties"]["type"]["oneOf"]
    assert schemas["CreateUserBody"]["properties"]["role"] == {"$ref": "#/components/schemas/Role"}
