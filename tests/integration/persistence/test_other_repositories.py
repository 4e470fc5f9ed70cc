"""The attempt, credential, API key and merchant repository contracts, on SQLite and on Postgres."""

from __future__ import annotations

import msgspec
import pytest

from micropay.adapters.persistence import Persistence
from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.credentials import CredentialsView, TransactionType
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.provider import AttemptOutcome
from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.credential_vault import Sealed
from micropay.ports.unit_of_work import UnitOfWorkFactory
from tests.integration.persistence.builders import (
    NOW,
    callback_attempt,
    created_intent,
    new_id,
    new_tenant,
    push_attempt,
    seed_merchant,
)


async def _stranger(uow_factory: UnitOfWorkFactory) -> Tenant:
    other = new_tenant()
    await seed_merchant(uow_factory, other)
    return other


async def test_attempts_are_added_updated_and_listed_oldest_first(persistence: Persistence, tenant: Tenant) -> None:
    intent = created_intent(tenant)
    push = push_attempt(intent, attempt_id=new_id("pa"))
    callbacks = [
        callback_attempt(push, attempt_id=new_id("pa"), body={"Body": {"stkCallback": {"ResultCode": n}}})
        for n in range(3)
    ]
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.attempts.add(push)
        for callback in callbacks:
            await uow.attempts.add(callback)
        await uow.commit()
    answered = msgspec.structs.replace(
        push,
        outcome=AttemptOutcome.ACCEPTED,
        request={"BusinessShortCode": "174379", "Password": "***", "CallBackURL": ".../AbC123***"},
        response={"ResponseCode": "0", "CheckoutRequestID": "ws_CO_1"},
        http_status=200,
        checkout_request_id="ws_CO_1",
        updated=NOW + 2,
    )

    async with persistence.uow_factory(tenant) as uow:
        await uow.attempts.update(answered)
        await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.attempts.get(push.id) == answered
        first, more = await uow.attempts.list_for_intent(intent.id, limit=2)
        rest, no_more = await uow.attempts.list_for_intent(intent.id, limit=2, starting_after=first[-1].id)
    assert (first, more) == ([answered, callbacks[0]], True)
    assert (rest, no_more) == (callbacks[1:], False)


async def test_attempts_of_another_tenant_are_invisible(persistence: Persistence, tenant: Tenant) -> None:
    intent = created_intent(tenant)
    push = push_attempt(intent, attempt_id=new_id("pa"))
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.attempts.add(push)
        await uow.commit()

    async with persistence.uow_factory(await _stranger(persistence.uow_factory)) as uow:
        assert await uow.attempts.get(push.id) is None
        assert await uow.attempts.list_for_intent(intent.id, limit=10) == ([], False)


def _credentials(environment: Environment, *, key_id: str = "k1", updated: int = NOW) -> StoredCredentials:
    return StoredCredentials(
        sealed=Sealed(encrypted_blob="Y2lwaGVydGV4dA==", iv="bm9uY2U=", key_id=key_id),
        view=CredentialsView(
            environment=environment,
            business_short_code="174379",
            transaction_type=TransactionType.BUY_GOODS,
            party_b="600000",
            consumer_key_last4="wxyz",
            updated=updated,
        ),
    )


async def test_credentials_put_get_replace_reseal_delete(persistence: Persistence, tenant: Tenant) -> None:
    first = _credentials(tenant.environment)
    second = _credentials(tenant.environment, key_id="k2", updated=NOW + 5)
    resealed = Sealed(encrypted_blob="bmV3", iv="aXY=", key_id="k3")

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.credentials.get() is None
        await uow.credentials.put(first)
        await uow.commit()
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.credentials.get() == first
        await uow.credentials.put(second)
        await uow.commit()
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.credentials.get() == second
        assert await uow.credentials.reseal("k1", resealed) is False
        assert await uow.credentials.reseal("k2", resealed) is True
        await uow.commit()
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.credentials.get() == msgspec.structs.replace(second, sealed=resealed)
        assert await uow.credentials.delete() is True
        assert await uow.credentials.delete() is False
        await uow.commit()
    async with persistence.uow_factory(tenant) as uow:
        assert await uow.credentials.get() is None


async def test_credentials_are_per_merchant_and_environment(persistence: Persistence, tenant: Tenant) -> None:
    async with persistence.uow_factory(tenant) as uow:
        await uow.credentials.put(_credentials(tenant.environment))
        await uow.commit()
    live = Tenant(merchant_id=tenant.merchant_id, environment=Environment.PRODUCTION)

    for stranger in (live, await _stranger(persistence.uow_factory)):
        async with persistence.uow_factory(stranger) as uow:
            assert await uow.credentials.get() is None
            assert await uow.credentials.delete() is False
            assert await uow.credentials.reseal("k1", Sealed(encrypted_blob="x", iv="y", key_id="k9")) is False
            await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.credentials.get() == _credentials(tenant.environment)


def _key(tenant: Tenant, kind: KeyType, *, created: int = NOW, expires_at: int | None = None) -> ApiKey:
    return ApiKey(
        id=new_id("key"),
        merchant_id=tenant.merchant_id,
        environment=tenant.environment,
        type=kind,
        key_hash=new_id("hash"),
        display_prefix=f"{kind.prefix}_test_AbCd",
        created=created,
        expires_at=expires_at,
    )


async def test_api_keys_active_and_expiry(persistence: Persistence, tenant: Tenant) -> None:
    old = _key(tenant, KeyType.SECRET)
    new = _key(tenant, KeyType.SECRET, created=NOW + 1)
    publishable = _key(tenant, KeyType.PUBLISHABLE)
    expired = _key(tenant, KeyType.SECRET, expires_at=NOW - 1)
    async with persistence.uow_factory(tenant) as uow:
        for key in (old, new, publishable, expired):
            await uow.api_keys.add(key)
        await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.api_keys.active(KeyType.SECRET, NOW) == [old, new]
        await uow.api_keys.set_expiry(old.id, NOW + 60)
        await uow.commit()

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.api_keys.active(KeyType.SECRET, NOW + 59) == [
            msgspec.structs.replace(old, expires_at=NOW + 60),
            new,
        ]
        assert await uow.api_keys.active(KeyType.SECRET, NOW + 60) == [new]
        assert await uow.api_keys.active(KeyType.PUBLISHABLE, NOW) == [publishable]


async def test_api_keys_of_another_tenant_are_invisible_and_untouchable(
    persistence: Persistence, tenant: Tenant
) -> None:
    key = _key(tenant, KeyType.SECRET)
    async with persistence.uow_factory(tenant) as uow:
        await uow.api_keys.add(key)
        await uow.commit()

    async with persistence.uow_factory(await _stranger(persistence.uow_factory)) as uow:
        assert await uow.api_keys.active(KeyType.SECRET, NOW) == []
        await uow.api_keys.set_expiry(key.id, NOW)
        await uow.commit()
        with pytest.raises(ValueError, match="own tenant"):
            await uow.api_keys.add(_key(tenant, KeyType.SECRET))

    async with persistence.uow_factory(tenant) as uow:
        assert await uow.api_keys.active(KeyType.SECRET, NOW) == [key]


async def test_a_merchant_sees_only_itself_in_both_environments(persistence: Persistence) -> None:
    tenant = new_tenant()
    merchant = await seed_merchant(persistence.uow_factory, tenant)
    other = await _stranger(persistence.uow_factory)

    async with persistence.uow_factory(
        Tenant(merchant_id=tenant.merchant_id, environment=Environment.PRODUCTION)
    ) as uow:
        assert await uow.merchants.get() == merchant
    async with persistence.uow_factory(other) as uow:
        fetched = await uow.merchants.get()
        assert fetched is not None
        assert fetched.id == other.merchant_id
        with pytest.raises(ValueError, match="own unit of work"):
            await uow.merchants.add(merchant)
    async with persistence.uow_factory(new_tenant()) as uow:
        assert await uow.merchants.get() is None
