"""Small builders for domain tests: intents at each point of their life, with fixed ids and times."""

from __future__ import annotations

from micropay.domain.model import state_machine as sm
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.intent import PaymentError, PaymentIntent
from micropay.domain.model.money import Money
from micropay.domain.model.msisdn import Msisdn
from micropay.domain.model.provider import PaymentResult

TENANT = Tenant(merchant_id="acct_000000000000000000000001", environment=Environment.SANDBOX)
INTENT_ID = "pi_0000000000000000000000AB"
PHONE = "254712345678"
T0 = 1_767_225_600
AMOUNT = 150_000


def created(*, phone: str | None = PHONE, amount: int = AMOUNT, now: int = T0) -> PaymentIntent:
    intent, _ = sm.create(
        intent_id=INTENT_ID,
        tenant=TENANT,
        money=Money(amount=amount),
        phone=Msisdn(phone) if phone else None,
        account_reference="INV1001",
        description="Order 1001",
        metadata={"order_id": "1001"},
        secret_hash="hash-of-client-secret",
        now=now,
    )
    return intent


def processing(attempt_id: str = "pa_1", *, base: PaymentIntent | None = None, now: int = T0 + 1) -> PaymentIntent:
    intent, _ = sm.start_attempt(base or created(), attempt_id=attempt_id, phone=None, now=now)
    return intent


def accepted(attempt_id: str = "pa_1", checkout: str = "ws_CO_1", *, now: int = T0 + 2) -> PaymentIntent:
    intent, _ = sm.accept_attempt(
        processing(attempt_id), attempt_id=attempt_id, checkout_request_id=checkout, merchant_request_id="mr-1", now=now
    )
    return intent


def answer_lost(attempt_id: str = "pa_1", *, now: int = T0 + 2) -> PaymentIntent:
    intent, _ = sm.attempt_answer_lost(processing(attempt_id), attempt_id=attempt_id, now=now)
    return intent


def failed(attempt_id: str = "pa_1", code: str = "1032", *, now: int = T0 + 3) -> PaymentIntent:
    result = PaymentResult(result_code=code, checkout_request_id="ws_CO_1")
    return sm.apply_result(accepted(attempt_id), attempt_id=attempt_id, result=result, now=now).intent


def succeeded(attempt_id: str = "pa_1", *, now: int = T0 + 3) -> PaymentIntent:
    result = success(amount=AMOUNT)
    return sm.apply_result(accepted(attempt_id), attempt_id=attempt_id, result=result, now=now).intent


def canceled(*, now: int = T0 + 4) -> PaymentIntent:
    intent, _ = sm.cancel(failed(), reason="requested_by_customer", now=now)
    return intent


def success(
    *, amount: int | None = AMOUNT, checkout: str | None = "ws_CO_1", receipt: str = "NLJ7RT61SV"
) -> PaymentResult:
    return PaymentResult(
        result_code="0",
        result_desc="The service request is processed successfully.",
        checkout_request_id=checkout,
        merchant_request_id="mr-cb",
        amount=amount,
        receipt_number=receipt,
        transaction_date=T0 + 50,
        phone_number="254799999999",
    )


def rejection_error() -> PaymentError:
    return PaymentError(code="invalid_phone_number", message="Invalid phone number.", mpesa_result_code="400.002.02")
