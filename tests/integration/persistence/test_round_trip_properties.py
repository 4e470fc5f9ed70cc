"""The fakes are the real adapters' equals: Hypothesis-generated intents, provider-log rows and events come back
identically from the in-memory fake, SQLite and Postgres (issue 11 item 5)."""

from __future__ import annotations

import string
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micropay.adapters.persistence import Persistence
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import EventRequest, EventType, IntentEvent, UnexpectedPayment, event_of
from micropay.domain.model.intent import IntentStatus, MpesaDetails, PaymentError, PaymentIntent
from micropay.domain.model.provider import AttemptKind, AttemptOutcome
from micropay.ports.unit_of_work import UnitOfWorkFactory
from tests.fakes import FakeUnitOfWorkFactory, InMemoryDatabase
from tests.integration.persistence.builders import new_id

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Text any column and JSON value can hold (Postgres refuses NUL in text and JSONB; surrogates are not UTF-8).
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
ascii_word = st.text(string.ascii_letters + string.digits, min_size=1, max_size=12)
# Unix times from 2001 on: tests that share the Postgres database (test_stuck_intents) own the years before.
seconds = st.integers(min_value=1_000_000_000, max_value=2**40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
mpesa = st.builds(
    MpesaDetails,
    phone_number=st.just("254712345678"),
    checkout_request_id=st.none() | ascii_word,
    merchant_request_id=st.none() | text,
    receipt_number=st.none() | ascii_word,
    transaction_date=st.none() | seconds,
)
errors = st.builds(PaymentError, code=ascii_word, message=text, mpesa_result_code=st.none() | ascii_word)


@st.composite
def intents(draw: st.DrawFn, tenant: Tenant) -> PaymentIntent:
    created = draw(seconds)
    return PaymentIntent(
        id=new_id("pi"),
        merchant_id=tenant.merchant_id,
        environment=tenant.environment,
        amount=draw(st.integers(1, 250_000)) * 100,
        currency="kes",
        status=draw(st.sampled_from(IntentStatus)),
        phone_number=draw(st.none() | st.just("254712345678")),
        account_reference=draw(ascii_word),
        description=draw(st.none() | text),
        metadata=draw(st.dictionaries(text, text, max_size=5)),
        secret_hash=draw(st.text("0123456789abcdef", min_size=64, max_size=64)),
        created=created,
        updated=created + draw(st.integers(0, 1000)),
        version=draw(st.integers(1, 50)),
        attempt_id=draw(st.none() | st.just(new_id("pa"))),
        attempt_count=draw(st.integers(0, 10)),
        next_action_expires_at=draw(st.none() | seconds),
        last_payment_error=draw(st.none() | errors),
        mpesa=draw(st.none() | mpesa),
        canceled_at=draw(st.none() | seconds),
        cancellation_reason=draw(st.none() | text),
    )


def _unique_checkout(intent: PaymentIntent) -> PaymentIntent:
    # the CheckoutRequestID column is unique across intents: keep generated ones apart
    if intent.mpesa is None or intent.mpesa.checkout_request_id is None:
        return intent
    return msgspec.structs.replace(
        intent, mpesa=msgspec.structs.replace(intent.mpesa, checkout_request_id=new_id("ws_CO"))
    )


async def _both(persistence: Persistence, tenant: Tenant) -> list[UnitOfWorkFactory]:
    fake = FakeUnitOfWorkFactory(InMemoryDatabase())
    async with fake(tenant) as uow:
        await uow.merchants.add(await _merchant(persistence, tenant))
        await uow.commit()
    return [fake, persistence.uow_factory]


async def _merchant(persistence: Persistence, tenant: Tenant) -> Any:
    async with persistence.uow_factory(tenant) as uow:
        return await uow.merchants.get()


@EXAMPLES
@given(data=st.data())
async def test_intents_round_trip_identically(persistence: Persistence, tenant: Tenant, data: st.DataObject) -> None:
    intent = _unique_checkout(data.draw(intents(tenant)))
    for factory in await _both(persistence, tenant):
        async with factory(tenant) as uow:
            await uow.intents.add(intent)
            await uow.commit()
        async with factory(tenant) as uow:
            assert await uow.intents.get(intent.id) == intent


@EXAMPLES
@given(data=st.data())
async def test_provider_log_rows_round_trip_identically(
    persistence: Persistence, tenant: Tenant, data: st.DataObject
) -> None:
    intent = _unique_checkout(data.draw(intents(tenant)))
    row = ProviderAttempt(
        id=new_id("pa"),
        intent_id=intent.id,
        merchant_id=tenant.merchant_id,
        environment=tenant.environment,
        kind=data.draw(st.sampled_from(AttemptKind)),
        push_id=new_id("pa"),
        created=data.draw(seconds),
        outcome=data.draw(st.none() | st.sampled_from(AttemptOutcome)),
        request=data.draw(json_values),
        response=data.draw(json_values),
        http_status=data.draw(st.none() | st.integers(100, 599)),
        checkout_request_id=data.draw(st.none() | ascii_word),
        callback_token_hash=data.draw(st.none() | st.just(new_id("hash"))),
        callback_token_hint=data.draw(st.none() | ascii_word),
        updated=data.draw(st.none() | seconds),
    )
    for factory in await _both(persistence, tenant):
        async with factory(tenant) as uow:
            await uow.intents.add(intent)
            await uow.attempts.add(row)
            await uow.commit()
        async with factory(tenant) as uow:
            assert await uow.attempts.get(row.id) == row


@EXAMPLES
@given(data=st.data())
async def test_events_round_trip_identically(persistence: Persistence, tenant: Tenant, data: st.DataObject) -> None:
    intent = _unique_checkout(data.draw(intents(tenant)))
    kind = data.draw(st.sampled_from(EventType))
    payment = data.draw(
        st.none()
        | st.builds(
            UnexpectedPayment,
            attempt=ascii_word,
            receipt_number=st.none() | ascii_word,
            amount=st.none() | st.integers(0, 10**9),
        )
    )
    change = IntentEvent(
        type=kind, intent_id=intent.id, version=intent.version, at=data.draw(seconds), unexpected_payment=payment
    )
    request = data.draw(
        st.none() | st.builds(EventRequest, id=st.none() | ascii_word, idempotency_key=st.none() | text)
    )
    event = event_of(change, intent, event_id=new_id("evt"), request=request)
    for factory in await _both(persistence, tenant):
        async with factory(tenant) as uow:
            await uow.intents.add(intent)
            await uow.events.add(event)
            await uow.commit()
        async with factory(tenant) as uow:
            assert await uow.events.get(event.id) == event
            assert (await uow.events.for_intent(intent.id, limit=5)).data == [event]
