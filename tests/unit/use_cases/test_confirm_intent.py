"""ConfirmPaymentIntent: the stored intent, the push rows and the pushes Daraja received, per outcome."""

from __future__ import annotations

import msgspec
import pytest

from micropay.domain.errors import CredentialsMissing, IntentUnexpectedState, InvalidParameter, ResourceMissing
from micropay.domain.model.credentials import DarajaCredentials, TransactionType
from micropay.domain.model.intent import PROMPT_TTL_SECONDS, IntentStatus, PaymentIntent
from micropay.domain.model.provider import AttemptKind, AttemptOutcome
from micropay.domain.model.push import PushAccepted, PushAnswerLost, PushMisconfigured, PushNotSent
from micropay.ports.daraja_gateway import (
    CircuitOpen,
    Exchange,
    GatewayError,
    ProviderConfigurationError,
    ProviderUnavailable,
)
from tests.fakes import CALLBACK_BASE_URL, Accept, rejected
from tests.unit.use_cases.world import DEFAULT_SANDBOX, MERCHANT_PAYLOAD, PHONE, PRODUCTION, SANDBOX, World

REJECTION_EXCHANGE = Exchange(
    request={"PhoneNumber": "254700000000"},
    response={"errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid PhoneNumber"},
    http_status=400,
)


def merchant_visible(intent: PaymentIntent) -> PaymentIntent:
    """Everything but the optimistic-lock version, which moves on even when nothing visible changed."""
    return msgspec.structs.replace(intent, version=0)


async def test_accepted_push_makes_the_intent_processing_with_its_checkout_id(world: World) -> None:
    created = await world.new_intent(amount=150_000, account_reference="INV1001", description="Order 1001")
    world.gateway.queue_push(Accept(checkout_request_id="ws_CO_1", merchant_request_id="mr-1"))
    world.clock.advance(5)
    now = int(world.clock.now())

    returned = await world.confirm(SANDBOX, created.intent.id)

    stored = world.intent(created.intent.id)
    assert returned == stored
    assert stored.status is IntentStatus.PROCESSING
    assert stored.checkout_request_id == "ws_CO_1"
    assert stored.mpesa is not None
    assert stored.mpesa.merchant_request_id == "mr-1"
    assert stored.mpesa.phone_number == PHONE
    assert stored.next_action_expires_at == now + PROMPT_TTL_SECONDS
    assert stored.attempt_count == 1
    assert stored.updated == now
    assert stored.version == created.intent.version + 2  # claimed, then accepted

    [push] = world.pushes(created.intent.id)
    assert push.id == stored.attempt_id == push.push_id
    assert push.outcome is AttemptOutcome.ACCEPTED
    assert push.checkout_request_id == "ws_CO_1"
    [recorded] = world.gateway.pushes
    assert isinstance(recorded.outcome, PushAccepted)
    exchange = recorded.outcome.exchange
    assert exchange is not None
    assert exchange.request is not None
    assert (push.request, push.response, push.http_status) == (exchange.request, exchange.response, 200)
    [token] = world.tokens.issued
    assert push.callback_token_hash == token.token_hash
    assert push.callback_token_hint == token.token[:6]


async def test_the_push_carries_the_intents_details_and_its_callback_url(world: World) -> None:
    created = await world.new_intent(amount=150_000, account_reference="INV1001", description="Order #1001!")

    await world.confirm(SANDBOX, created.intent.id)

    [recorded] = world.gateway.pushes
    request = recorded.request
    assert request.amount_shillings == 1500
    assert request.phone_number == PHONE
    assert request.account_reference == "INV1001"
    assert request.transaction_desc == "Order 1001"
    assert len(request.transaction_desc) <= 13
    assert request.callback_url == f"{CALLBACK_BASE_URL}{world.token()}"
    assert recorded.credentials == DEFAULT_SANDBOX


async def test_a_phone_given_at_confirm_replaces_the_intents(world: World) -> None:
    created = await world.new_intent()

    await world.confirm(SANDBOX, created.intent.id, phone_number="+254 110 000 000")

    assert world.intent(created.intent.id).phone_number == "254110000000"
    assert world.gateway.pushes[0].request.phone_number == "254110000000"


async def test_phone_is_required_when_the_intent_has_none(world: World) -> None:
    created = await world.new_intent(phone_number=None)

    with pytest.raises(InvalidParameter) as raised:
        await world.confirm(SANDBOX, created.intent.id)

    assert (raised.value.param, raised.value.code) == ("phone_number", "parameter_missing")
    assert world.intent(created.intent.id) == created.intent
    assert world.gateway.pushes == []
    assert world.rows(created.intent.id) == []


async def test_an_invalid_phone_at_confirm_is_refused_before_anything_happens(world: World) -> None:
    created = await world.new_intent(phone_number=None)

    with pytest.raises(InvalidParameter) as raised:
        await world.confirm(SANDBOX, created.intent.id, phone_number="12345")

    assert (raised.value.param, raised.value.code) == ("phone_number", "phone_number_invalid")
    assert world.intent(created.intent.id) == created.intent
    assert world.gateway.in_flight == 0


async def test_customer_rejection_fails_the_intent_with_the_gateways_error(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(
        msgspec.structs.replace(
            rejected(
                "The phone number is not an M-Pesa subscriber.",
                error_code="phone_number_invalid",
                provider_code="400.002.02",
            ),
            exchange=REJECTION_EXCHANGE,
        )
    )

    returned = await world.confirm(SANDBOX, created.intent.id)

    stored = world.intent(created.intent.id)
    assert returned == stored
    assert stored.status is IntentStatus.FAILED
    assert stored.last_payment_error is not None
    assert stored.last_payment_error.code == "phone_number_invalid"
    assert stored.last_payment_error.mpesa_result_code == "400.002.02"
    assert stored.last_payment_error.message == "The phone number is not an M-Pesa subscriber."
    assert stored.next_action_expires_at is None
    [push] = world.pushes(created.intent.id)
    assert push.outcome is AttemptOutcome.REJECTED
    assert (push.request, push.response, push.http_status) == (
        REJECTION_EXCHANGE.request,
        REJECTION_EXCHANGE.response,
        400,
    )


@pytest.mark.parametrize(
    ("verdict", "error"),
    [
        (
            PushNotSent(
                reason="Daraja answered 503.",
                retry_after=7.0,
                exchange=Exchange(response={"fault": "down"}, http_status=503),
            ),
            ProviderUnavailable,
        ),
        (
            PushMisconfigured(reason="Wrong credentials.", exchange=Exchange(response={"errorCode": "500.001.1001"})),
            ProviderConfigurationError,
        ),
        (PushNotSent(reason="The circuit is open.", retry_after=12.0, circuit_open=True), CircuitOpen),
    ],
    ids=["unavailable", "misconfigured", "circuit-open"],
)
@pytest.mark.parametrize("phone_at_confirm", [None, "0799000111"], ids=["own-phone", "new-phone"])
async def test_not_sent_pushes_raise_and_leave_the_intent_exactly_as_it_was(
    world: World, verdict: PushNotSent | PushMisconfigured, error: type[GatewayError], phone_at_confirm: str | None
) -> None:
    created = await world.new_intent()
    original = world.intent(created.intent.id)
    world.gateway.queue_push(verdict)
    world.clock.advance(30)

    with pytest.raises(error) as raised:
        await world.confirm(SANDBOX, created.intent.id, phone_number=phone_at_confirm)

    assert type(raised.value) is error
    assert (raised.value.message, raised.value.exchange) == (verdict.reason, verdict.exchange)
    if isinstance(verdict, PushNotSent):
        assert isinstance(raised.value, ProviderUnavailable)
        assert raised.value.retry_after == verdict.retry_after  # the 503's Retry-After
    stored = world.intent(created.intent.id)
    assert merchant_visible(stored) == merchant_visible(original)
    assert (stored.status, stored.last_payment_error, stored.phone_number, stored.updated) == (
        original.status,
        original.last_payment_error,
        original.phone_number,
        original.updated,
    )
    [push] = world.pushes(created.intent.id)
    assert push.outcome is AttemptOutcome.NOT_SENT
    if verdict.exchange is not None:
        assert (push.response, push.http_status) == (verdict.exchange.response, verdict.exchange.http_status)


async def test_not_sent_retry_of_a_failed_intent_keeps_its_failure(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(rejected("Locked.", error_code="account_locked", provider_code="8006"))
    await world.confirm(SANDBOX, created.intent.id)
    failed = world.intent(created.intent.id)
    world.gateway.queue_push(PushNotSent(reason="Daraja is down."))
    world.clock.advance(60)

    with pytest.raises(ProviderUnavailable):
        await world.confirm(SANDBOX, created.intent.id)

    assert merchant_visible(world.intent(created.intent.id)) == merchant_visible(failed)
    assert [p.outcome for p in world.pushes(created.intent.id)] == [AttemptOutcome.REJECTED, AttemptOutcome.NOT_SENT]


async def test_after_a_not_sent_push_the_intent_can_be_confirmed_again(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(PushNotSent(reason="Daraja is down."))
    with pytest.raises(ProviderUnavailable):
        await world.confirm(SANDBOX, created.intent.id)

    await world.confirm(SANDBOX, created.intent.id)

    stored = world.intent(created.intent.id)
    assert stored.status is IntentStatus.PROCESSING
    assert [p.outcome for p in world.pushes(created.intent.id)] == [AttemptOutcome.NOT_SENT, AttemptOutcome.ACCEPTED]
    assert stored.attempt_id == world.pushes(created.intent.id)[1].id


async def test_lost_answer_leaves_the_intent_processing_without_a_checkout_id(world: World) -> None:
    created = await world.new_intent()
    lost = PushAnswerLost(reason="Read timeout.", exchange=Exchange(request={"Amount": 1500}))
    world.gateway.queue_push(lost)
    now = int(world.clock.now())

    returned = await world.confirm(SANDBOX, created.intent.id)

    stored = world.intent(created.intent.id)
    assert returned == stored
    assert stored.status is IntentStatus.PROCESSING
    assert stored.checkout_request_id is None
    assert stored.next_action_expires_at == now + PROMPT_TTL_SECONDS
    [push] = world.pushes(created.intent.id)
    assert push.outcome is AttemptOutcome.ANSWER_LOST
    assert push.checkout_request_id is None
    assert push.request == {"Amount": 1500}


async def test_lost_answer_is_never_followed_by_a_second_push(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(PushAnswerLost(reason="Read timeout."))
    await world.confirm(SANDBOX, created.intent.id)

    with pytest.raises(IntentUnexpectedState):
        await world.confirm(SANDBOX, created.intent.id)

    assert len(world.gateway.pushes) == 1
    assert len(world.pushes(created.intent.id)) == 1


async def test_an_unexpected_gateway_failure_counts_as_a_lost_answer_and_is_raised(world: World) -> None:
    created = await world.new_intent()
    world.gateway.crash_next_push = RuntimeError("connection reset after sending")

    with pytest.raises(RuntimeError):
        await world.confirm(SANDBOX, created.intent.id)

    stored = world.intent(created.intent.id)
    assert stored.status is IntentStatus.PROCESSING
    assert stored.checkout_request_id is None
    [push] = world.pushes(created.intent.id)
    assert push.outcome is AttemptOutcome.ANSWER_LOST


async def test_retry_from_failed_creates_a_new_attempt_and_keeps_the_old_row(world: World) -> None:
    created = await world.new_intent()
    world.gateway.queue_push(
        rejected("Invalid phone.", error_code="phone_number_invalid", provider_code="400.002.02"),
        Accept(checkout_request_id="ws_CO_2"),
    )
    await world.confirm(SANDBOX, created.intent.id)
    first_push = world.pushes(created.intent.id)[0]
    world.clock.advance(10)

    await world.confirm(SANDBOX, created.intent.id, phone_number="0722000000")

    stored = world.intent(created.intent.id)
    assert stored.status is IntentStatus.PROCESSING
    assert stored.last_payment_error is None
    assert stored.attempt_count == 2
    assert stored.checkout_request_id == "ws_CO_2"
    assert stored.phone_number == "254722000000"
    old, new = world.pushes(created.intent.id)
    assert old == first_push
    assert old.outcome is AttemptOutcome.REJECTED
    assert new.outcome is AttemptOutcome.ACCEPTED
    assert stored.attempt_id == new.id != old.id
    assert new.callback_token_hash != old.callback_token_hash


async def _intent_in(world: World, status: IntentStatus) -> str:
    created = await world.new_intent()
    intent_id = created.intent.id
    if status is IntentStatus.CANCELED:
        await world.cancel(SANDBOX, intent_id)
        return intent_id
    await world.confirm(SANDBOX, intent_id)
    if status is IntentStatus.SUCCEEDED:
        checkout = world.intent(intent_id).checkout_request_id
        from tests.unit.use_cases.world import callback_body

        await world.handle_callback(world.token(), callback_body(checkout))
    return intent_id


@pytest.mark.parametrize("status", [IntentStatus.PROCESSING, IntentStatus.SUCCEEDED, IntentStatus.CANCELED])
async def test_confirm_from_a_non_confirmable_status_sends_nothing(world: World, status: IntentStatus) -> None:
    intent_id = await _intent_in(world, status)
    before = world.intent(intent_id)
    pushes_before = len(world.gateway.pushes)
    rows_before = world.rows(intent_id)

    with pytest.raises(IntentUnexpectedState) as raised:
        await world.confirm(SANDBOX, intent_id)

    assert raised.value.status == status
    assert raised.value.code == "intent_unexpected_state"
    assert world.intent(intent_id) == before
    assert len(world.gateway.pushes) == pushes_before
    assert world.rows(intent_id) == rows_before


async def test_the_merchants_own_credentials_are_used_over_the_default(world: World) -> None:
    await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)
    created = await world.new_intent()

    await world.confirm(SANDBOX, created.intent.id)

    [recorded] = world.gateway.pushes
    assert recorded.credentials == DarajaCredentials(
        consumer_key="merchant-consumer-key-WXYZ",
        consumer_secret="merchant-consumer-secret",
        business_short_code="600123",
        passkey="merchant-passkey-value",
        transaction_type=TransactionType.BUY_GOODS,
        party_b="5550001",
    )


async def test_the_default_sandbox_credentials_are_used_when_none_are_stored(world: World) -> None:
    created = await world.new_intent()

    await world.confirm(SANDBOX, created.intent.id)

    assert world.gateway.pushes[0].credentials == DEFAULT_SANDBOX


async def test_sandbox_without_credentials_or_default_is_refused() -> None:
    world = World(default_sandbox=False)
    created = await world.new_intent()

    with pytest.raises(CredentialsMissing):
        await world.confirm(SANDBOX, created.intent.id)

    assert world.intent(created.intent.id) == created.intent
    assert world.gateway.pushes == []


async def test_production_without_credentials_is_refused_and_changes_nothing(world: World) -> None:
    created = await world.new_intent(PRODUCTION)

    with pytest.raises(CredentialsMissing) as raised:
        await world.confirm(PRODUCTION, created.intent.id)

    assert raised.value.code == "credentials_missing"
    assert world.intent(created.intent.id) == created.intent
    assert world.gateway.pushes == []
    assert world.rows(created.intent.id) == []


async def test_production_uses_the_production_credentials_only(world: World) -> None:
    await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)
    await world.set_credentials(
        PRODUCTION,
        {
            **MERCHANT_PAYLOAD,
            "business_short_code": "700700",
            "transaction_type": "CustomerPayBillOnline",
            "party_b": None,
        },
    )
    created = await world.new_intent(PRODUCTION)

    await world.confirm(PRODUCTION, created.intent.id)

    [recorded] = world.gateway.pushes
    assert recorded.credentials.business_short_code == "700700"
    assert recorded.request.environment is PRODUCTION.environment


async def test_a_matching_client_secret_confirms(world: World) -> None:
    created = await world.new_intent()

    await world.confirm(SANDBOX, created.intent.id, client_secret=created.client_secret)

    assert world.intent(created.intent.id).status is IntentStatus.PROCESSING


@pytest.mark.parametrize("wrong", ["pi_x_secret_y", "", "{id}_secret_wrongwrongwrongwrongwrong", "{other}"])
async def test_a_wrong_client_secret_is_resource_missing(world: World, wrong: str) -> None:
    created = await world.new_intent()
    other = await world.new_intent()
    secret = wrong.format(id=created.intent.id, other=other.client_secret)

    with pytest.raises(ResourceMissing) as raised:
        await world.confirm(SANDBOX, created.intent.id, client_secret=secret)

    assert raised.value.code == "resource_missing"
    assert world.intent(created.intent.id) == created.intent
    assert world.gateway.pushes == []


async def test_another_tenants_intent_is_resource_missing(world: World) -> None:
    created = await world.new_intent(PRODUCTION)

    with pytest.raises(ResourceMissing):
        await world.confirm(SANDBOX, created.intent.id)

    assert world.gateway.pushes == []
    assert world.db.attempts == {}


async def test_push_rows_are_of_kind_stk_push_and_name_themselves(world: World) -> None:
    created = await world.new_intent()

    await world.confirm(SANDBOX, created.intent.id)

    [row] = world.rows(created.intent.id)
    assert row.kind is AttemptKind.STK_PUSH
    assert row.push_id == row.id
    assert (row.merchant_id, row.environment) == (SANDBOX.merchant_id, SANDBOX.environment)
