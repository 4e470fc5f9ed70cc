"""The OpenAPI response models describe exactly what the presenters produce."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from micropay.domain.model import state_machine as sm
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import TransactionType, validate_credentials, view_of
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.intent import PaymentError, PaymentIntent
from micropay.domain.model.money import Money
from micropay.domain.model.msisdn import Msisdn
from micropay.domain.model.provider import AttemptKind, AttemptOutcome, PaymentResult
from micropay.domain.model.public_intent import PublicPaymentIntent
from micropay.entrypoints.http.openapi_models import CredentialsObject, ProviderAttemptObject
from micropay.entrypoints.http.presenters import attempt_json, credentials_json, intent_body

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


def _matches(body: dict[str, Any], model: type[msgspec.Struct]) -> None:
    assert set(body) <= set(model.__struct_fields__)
    msgspec.convert(body, model, strict=True)


@pytest.mark.parametrize("make", [_created, _processing, _succeeded, _failed, _canceled])
def test_every_intent_state_matches_the_published_model(make: Any) -> None:
    body = msgspec.to_builtins(intent_body(make(), client_secret="pi_x_secret_y"))
    assert set(body) == set(PublicPaymentIntent.__struct_fields__)
    _matches(body, PublicPaymentIntent)


def test_attempt_rows_match_the_published_model() -> None:
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
        callback_token_hint="abcdef",
    )
    body = attempt_json(row)
    assert set(body) == set(ProviderAttemptObject.__struct_fields__)
    _matches(body, ProviderAttemptObject)


def test_credentials_view_matches_the_published_model() -> None:
    credentials = validate_credentials(
        consumer_key="key-1234",
        consumer_secret="secret",
        business_short_code="174379",
        passkey="passkey",
        transaction_type=TransactionType.PAYBILL.value,
    )
    body = credentials_json(view_of(credentials, Environment.SANDBOX, NOW), deleted=True)
    assert set(body) == set(CredentialsObject.__struct_fields__)
    _matches(body, CredentialsObject)
