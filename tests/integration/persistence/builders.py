"""Realistic rows built with the domain's own transitions."""

from __future__ import annotations

import secrets
from itertools import count

from micropay.domain.model import state_machine
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.events import Event, EventRequest, EventType, IntentEvent, event_of
from micropay.domain.model.ids import make_id
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.merchant import Merchant
from micropay.domain.model.money import Money
from micropay.domain.model.msisdn import Msisdn
from micropay.domain.model.provider import AttemptKind, AttemptOutcome, PaymentResult
from micropay.ports.unit_of_work import UnitOfWorkFactory

NOW = 1_767_225_600
PHONE = Msisdn("254708374149")
_sequence = count(1)


def new_id(prefix: str, millis: int | None = None) -> str:
    """Time-sortable ids; successive calls sort in call order."""
    n = next(_sequence)
    return make_id(prefix, millis=millis if millis is not None else NOW * 1000 + n, entropy=secrets.randbits(64))


def new_tenant(environment: Environment = Environment.SANDBOX) -> Tenant:
    return Tenant(merchant_id=f"acct_{secrets.token_hex(8)}", environment=environment)


async def seed_merchant(uow_factory: UnitOfWorkFactory, tenant: Tenant) -> Merchant:
    merchant = Merchant(id=tenant.merchant_id, name="Duka", email="owner@duka.example", created=NOW)
    async with uow_factory(tenant) as uow:
        await uow.merchants.add(merchant)
        await uow.commit()
    return merchant


def created_intent(tenant: Tenant, *, intent_id: str | None = None, amount: int = 1500_00) -> PaymentIntent:
    intent, _ = state_machine.create(
        intent_id=intent_id or new_id("pi"),
        tenant=tenant,
        money=Money(amount=amount),
        phone=PHONE,
        account_reference="INV42",
        description="Two bags of cement",
        metadata={"order": "42", "note": "ünïcode ok"},
        secret_hash="a" * 64,
        now=NOW,
    )
    return intent


def created_event(intent: PaymentIntent, *, event_id: str | None = None, request: EventRequest | None = None) -> Event:
    """The ``payment_intent.created`` event of a version-1 intent."""
    change = IntentEvent(type=EventType.CREATED, intent_id=intent.id, version=intent.version, at=intent.created)
    return event_of(change, intent, event_id=event_id or new_id("evt"), request=request)


def processing_steps(
    intent: PaymentIntent, *, attempt_id: str, checkout_request_id: str
) -> tuple[PaymentIntent, PaymentIntent]:
    """Confirm (start the attempt), then Daraja accepts the push: two versions."""
    started, _ = state_machine.start_attempt(intent, attempt_id=attempt_id, phone=None, now=NOW + 1)
    accepted, _ = state_machine.accept_attempt(
        started,
        attempt_id=attempt_id,
        checkout_request_id=checkout_request_id,
        merchant_request_id="29115-34620561-1",
        now=NOW + 2,
    )
    return started, accepted


def success(intent: PaymentIntent) -> PaymentResult:
    return PaymentResult(
        result_code="0",
        result_desc="The service request is processed successfully.",
        checkout_request_id=intent.checkout_request_id,
        amount=intent.amount,
        receipt_number="NLJ7RT61SV",
        transaction_date=NOW + 30,
        phone_number=PHONE.value,
    )


def failure(intent: PaymentIntent, code: str = "1032") -> PaymentResult:
    return PaymentResult(
        result_code=code, result_desc="Request cancelled by user", checkout_request_id=intent.checkout_request_id
    )


def push_attempt(intent: PaymentIntent, *, attempt_id: str, token_hash: str | None = None) -> ProviderAttempt:
    return ProviderAttempt(
        id=attempt_id,
        intent_id=intent.id,
        merchant_id=intent.merchant_id,
        environment=intent.environment,
        kind=AttemptKind.STK_PUSH,
        push_id=attempt_id,
        created=NOW + 1,
        request={"BusinessShortCode": "174379", "Amount": intent.amount // 100, "Password": "***"},
        callback_token_hash=token_hash or secrets.token_hex(32),
        callback_token_hint="AbC123",
    )


def callback_attempt(push: ProviderAttempt, *, attempt_id: str, body: object) -> ProviderAttempt:
    return ProviderAttempt(
        id=attempt_id,
        intent_id=push.intent_id,
        merchant_id=push.merchant_id,
        environment=push.environment,
        kind=AttemptKind.CALLBACK,
        push_id=push.id,
        created=NOW + 40,
        outcome=AttemptOutcome.APPLIED,
        request=body,
    )
