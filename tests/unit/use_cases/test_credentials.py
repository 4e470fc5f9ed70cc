"""Set/Get/Delete the merchant's Daraja credentials: sealed at rest, only a masked view comes back."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model.credentials import CredentialsView, TransactionType, associated_data
from micropay.domain.model.environment import Environment
from micropay.domain.use_cases.credentials import unseal
from micropay.ports.credential_vault import VaultError
from tests.unit.use_cases.world import MERCHANT_PAYLOAD, OTHER_SANDBOX, PRODUCTION, SANDBOX, World

SECRET_FIELDS = ("consumer_key", "consumer_secret", "passkey")
SECRETS = ("merchant-consumer-secret", "merchant-passkey-value", "merchant-consumer-key-WXYZ")


async def test_set_returns_a_masked_view_without_any_secret(world: World) -> None:
    view = await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)

    assert view == CredentialsView(
        environment=Environment.SANDBOX,
        business_short_code="600123",
        transaction_type=TransactionType.BUY_GOODS,
        party_b="5550001",
        consumer_key_last4="WXYZ",
        updated=int(world.clock.now()),
    )
    encoded = msgspec.json.encode(view).decode()
    for secret in SECRETS:
        assert secret not in encoded
        assert secret not in repr(view)


async def test_set_stores_the_credentials_sealed_for_this_tenant_only(world: World) -> None:
    await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)

    stored = world.db.credentials[SANDBOX]
    assert stored.sealed.key_id == world.vault.current_key_id
    for secret in SECRETS:
        assert secret not in msgspec.json.encode(stored).decode()
    opened = unseal(world.vault, SANDBOX, stored)
    assert (opened.consumer_secret, opened.passkey) == ("merchant-consumer-secret", "merchant-passkey-value")
    assert world.vault.open(stored.sealed, associated_data(SANDBOX.merchant_id, SANDBOX.environment))
    assert set(world.db.credentials) == {SANDBOX}


async def test_set_replaces_the_previous_credentials(world: World) -> None:
    await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)
    world.clock.advance(60)

    view = await world.set_credentials(
        SANDBOX, {**MERCHANT_PAYLOAD, "transaction_type": "CustomerPayBillOnline", "party_b": None}
    )

    assert view.transaction_type is TransactionType.PAYBILL
    assert view.party_b is None
    assert view.updated == int(world.clock.now())
    assert await world.get_credentials(SANDBOX) == view


async def test_get_returns_the_same_view(world: World) -> None:
    view = await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)

    assert await world.get_credentials(SANDBOX) == view


@pytest.mark.parametrize("tenant", [PRODUCTION, OTHER_SANDBOX], ids=["other-environment", "other-merchant"])
async def test_get_without_credentials_is_resource_missing(world: World, tenant: Any) -> None:
    await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)

    with pytest.raises(ResourceMissing) as raised:
        await world.get_credentials(tenant)

    assert raised.value.param == "environment"


async def test_delete_removes_and_returns_the_view(world: World) -> None:
    view = await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)
    await world.set_credentials(PRODUCTION, MERCHANT_PAYLOAD)

    deleted = await world.delete_credentials(SANDBOX)

    assert deleted == view
    assert SANDBOX not in world.db.credentials
    assert PRODUCTION in world.db.credentials
    with pytest.raises(ResourceMissing):
        await world.get_credentials(SANDBOX)


async def test_delete_when_there_are_none_is_resource_missing(world: World) -> None:
    with pytest.raises(ResourceMissing):
        await world.delete_credentials(SANDBOX)


@pytest.mark.parametrize(
    ("changes", "param", "code"),
    [
        ({"consumer_key": None}, "consumer_key", "parameter_missing"),
        ({"consumer_key": ""}, "consumer_key", "parameter_invalid"),
        ({"consumer_secret": None}, "consumer_secret", "parameter_missing"),
        ({"consumer_secret": " merchant-consumer-secret"}, "consumer_secret", "parameter_invalid"),
        ({"consumer_secret": 12345}, "consumer_secret", "parameter_invalid"),
        ({"passkey": None}, "passkey", "parameter_missing"),
        ({"passkey": "x" * 513}, "passkey", "parameter_invalid"),
        ({"business_short_code": None}, "business_short_code", "parameter_missing"),
        ({"business_short_code": "12ab5"}, "business_short_code", "parameter_invalid"),
        ({"business_short_code": "1234"}, "business_short_code", "parameter_invalid"),
        ({"business_short_code": "12345678"}, "business_short_code", "parameter_invalid"),
        ({"transaction_type": None}, "transaction_type", "parameter_missing"),
        ({"transaction_type": "CustomerPayBill"}, "transaction_type", "parameter_invalid"),
        ({"party_b": None}, "party_b", "parameter_missing"),
        ({"party_b": "till"}, "party_b", "parameter_invalid"),
    ],
)
async def test_invalid_credentials_are_refused_naming_the_field_and_echoing_no_secret(
    world: World, changes: dict[str, Any], param: str, code: str
) -> None:
    with pytest.raises(InvalidParameter) as raised:
        await world.set_credentials(SANDBOX, {**MERCHANT_PAYLOAD, **changes})

    assert (raised.value.param, raised.value.code) == (param, code)
    given_secrets = [v for k, v in changes.items() if k in SECRET_FIELDS and isinstance(v, str) and v.strip()]
    for secret in (*SECRETS, *given_secrets):
        assert secret.strip() not in raised.value.message
    assert world.db.credentials == {}


async def test_a_numeric_shortcode_is_accepted_as_digits(world: World) -> None:
    view = await world.set_credentials(SANDBOX, {**MERCHANT_PAYLOAD, "business_short_code": 600123})

    assert view.business_short_code == "600123"


async def test_credentials_that_open_but_are_not_credentials_are_a_vault_error(world: World) -> None:
    await world.set_credentials(SANDBOX, MERCHANT_PAYLOAD)
    aad = associated_data(SANDBOX.merchant_id, SANDBOX.environment)
    garbage = world.vault.seal(b'{"consumer_key": 1}', aad)
    world.db.credentials[SANDBOX] = msgspec.structs.replace(world.db.credentials[SANDBOX], sealed=garbage)
    created = await world.new_intent()

    with pytest.raises(VaultError) as raised:
        await world.confirm(SANDBOX, created.intent.id)

    assert "consumer_key" not in raised.value.message
    assert world.intent(created.intent.id) == created.intent
    assert world.gateway.pushes == []


async def test_credentials_sealed_for_another_tenant_do_not_open(world: World) -> None:
    await world.set_credentials(PRODUCTION, MERCHANT_PAYLOAD)
    world.db.credentials[SANDBOX] = world.db.credentials[PRODUCTION]  # a blob copied across environments
    created = await world.new_intent()

    with pytest.raises(VaultError):
        await world.confirm(SANDBOX, created.intent.id)

    assert world.gateway.pushes == []
