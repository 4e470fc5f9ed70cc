"""CreatePaymentIntent: what is stored, and every validation error with its ``param`` and ``code``."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import msgspec
import pytest

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.environment import Environment
from micropay.domain.model.ids import is_valid_id
from micropay.domain.model.intent import IntentStatus
from micropay.domain.use_cases.create_intent import CreateIntentCommand
from tests.fakes import DEFAULT_START
from tests.unit.use_cases.world import MERCHANT, SANDBOX, World


async def test_valid_create_stores_a_normalised_intent(world: World) -> None:
    created = await world.create_intent(
        SANDBOX,
        CreateIntentCommand(
            amount=150_000,
            currency="KES",
            phone_number="0712 345-678",
            description="Order 1001",
            metadata={"order_id": "1001", "customer": "c_9"},
        ),
    )

    stored = world.intent(created.intent.id)
    assert stored == created.intent
    assert is_valid_id(stored.id, "pi")
    assert stored.merchant_id == MERCHANT
    assert stored.environment is Environment.SANDBOX
    assert stored.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert (stored.amount, stored.currency) == (150_000, "kes")
    assert stored.phone_number == "254712345678"
    assert stored.description == "Order 1001"
    assert stored.metadata == {"order_id": "1001", "customer": "c_9"}
    assert stored.created == stored.updated == int(DEFAULT_START)
    assert stored.version == 1
    assert (stored.attempt_id, stored.attempt_count) == (None, 0)
    assert (stored.mpesa, stored.last_payment_error, stored.next_action_expires_at) == (None, None, None)


async def test_account_reference_is_derived_from_the_id_when_absent(world: World) -> None:
    created = await world.new_intent()

    reference = created.intent.account_reference
    assert re.fullmatch(r"[A-Za-z0-9]{12}", reference)
    assert created.intent.id.endswith(reference)


async def test_a_given_account_reference_is_kept(world: World) -> None:
    created = await world.new_intent(account_reference="INV1001")

    assert world.intent(created.intent.id).account_reference == "INV1001"


async def test_phone_number_is_optional(world: World) -> None:
    created = await world.new_intent(phone_number=None)

    assert world.intent(created.intent.id).phone_number is None


async def test_client_secret_is_returned_once_and_only_its_hash_is_stored(world: World) -> None:
    created = await world.new_intent()
    intent_id = created.intent.id

    assert re.fullmatch(rf"{intent_id}_secret_[0-9A-Za-z]{{24}}", created.client_secret)
    stored = world.intent(intent_id)
    assert stored.secret_hash == hashlib.sha256(created.client_secret.encode()).hexdigest()
    assert created.client_secret not in msgspec.json.encode(stored).decode()
    secret_part = created.client_secret.rsplit("_", 1)[1]
    assert secret_part not in msgspec.json.encode(stored).decode()


async def test_two_intents_get_different_ids_secrets_and_references(world: World) -> None:
    first = await world.new_intent()
    second = await world.new_intent()

    assert first.intent.id != second.intent.id
    assert first.client_secret != second.client_secret
    assert first.intent.account_reference != second.intent.account_reference


@pytest.mark.parametrize("amount", [100, 25_000_000, 1_000_000])
async def test_amount_bounds_are_accepted(world: World, amount: int) -> None:
    created = await world.new_intent(amount=amount)

    assert world.intent(created.intent.id).amount == amount


@pytest.mark.parametrize(
    ("fields", "param", "code"),
    [
        pytest.param({"amount": 150}, "amount", "amount_invalid", id="not-a-multiple-of-100"),
        pytest.param({"amount": 101}, "amount", "amount_invalid", id="cents"),
        pytest.param({"amount": 0}, "amount", "amount_invalid", id="zero"),
        pytest.param({"amount": -100}, "amount", "amount_invalid", id="negative"),
        pytest.param({"amount": 99}, "amount", "amount_invalid", id="below-minimum"),
        pytest.param({"amount": 25_000_100}, "amount", "amount_invalid", id="above-maximum"),
        pytest.param({"amount": True}, "amount", "amount_invalid", id="bool"),
        pytest.param({"amount": 1500.0}, "amount", "amount_invalid", id="float"),
        pytest.param({"amount": "1500"}, "amount", "amount_invalid", id="string"),
        pytest.param({"currency": "usd"}, "currency", "parameter_invalid", id="usd"),
        pytest.param({"currency": ""}, "currency", "parameter_invalid", id="empty-currency"),
        pytest.param({"currency": 404}, "currency", "parameter_invalid", id="currency-not-a-string"),
        pytest.param({"phone_number": "12345"}, "phone_number", "phone_number_invalid", id="short-phone"),
        pytest.param({"phone_number": "+14155550100"}, "phone_number", "phone_number_invalid", id="foreign-phone"),
        pytest.param({"phone_number": "0812345678"}, "phone_number", "phone_number_invalid", id="not-07-01"),
        pytest.param({"phone_number": 712345678}, "phone_number", "phone_number_invalid", id="phone-not-a-string"),
        pytest.param({"account_reference": ""}, "account_reference", "parameter_invalid", id="empty-reference"),
        pytest.param({"account_reference": "INV-1001"}, "account_reference", "parameter_invalid", id="dash"),
        pytest.param({"account_reference": "A" * 13}, "account_reference", "parameter_invalid", id="13-chars"),
        pytest.param({"description": "d" * 101}, "description", "parameter_invalid", id="description-101"),
        pytest.param({"description": "line\nbreak"}, "description", "parameter_invalid", id="control-chars"),
        pytest.param({"metadata": ["a"]}, "metadata", "parameter_invalid", id="metadata-not-a-map"),
        pytest.param({"metadata": {f"k{i}": "v" for i in range(51)}}, "metadata", "parameter_invalid", id="51-keys"),
        pytest.param({"metadata": {"k" * 41: "v"}}, "metadata", "parameter_invalid", id="key-41-chars"),
        pytest.param({"metadata": {"": "v"}}, "metadata", "parameter_invalid", id="empty-key"),
        pytest.param({"metadata": {"k": "v" * 501}}, "metadata[k]", "parameter_invalid", id="value-501-chars"),
        pytest.param({"metadata": {"k": 7}}, "metadata[k]", "parameter_invalid", id="value-not-a-string"),
    ],
)
async def test_validation_errors_name_the_param_and_code_and_store_nothing(
    world: World, fields: dict[str, Any], param: str, code: str
) -> None:
    with pytest.raises(InvalidParameter) as raised:
        await world.new_intent(**fields)

    assert (raised.value.param, raised.value.code) == (param, code)
    assert world.db.intents == {}


async def test_limits_themselves_are_accepted(world: World) -> None:
    metadata = {f"{i:02d}" + "k" * 38: "v" * 500 for i in range(50)}

    created = await world.new_intent(description="d" * 100, account_reference="A" * 12, metadata=metadata)

    stored = world.intent(created.intent.id)
    assert len(stored.metadata) == 50
    assert stored.description == "d" * 100
