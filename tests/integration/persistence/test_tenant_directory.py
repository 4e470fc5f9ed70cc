"""The cross-tenant lookups by hash, on SQLite and on Postgres (through the SECURITY DEFINER functions)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from micropay.adapters.persistence import Persistence
from micropay.adapters.persistence.rows import UNMATCHED_CALLBACKS
from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.credentials import CredentialsView, TransactionType
from micropay.domain.model.environment import Environment, Tenant
from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.credential_vault import Sealed
from micropay.ports.tenant_directory import CallbackRoute
from tests.integration.persistence.builders import NOW, created_intent, new_id, new_tenant, push_attempt, seed_merchant


async def test_find_api_key_by_hash_whatever_its_state(persistence: Persistence, tenant: Tenant) -> None:
    revoked = ApiKey(
        id=new_id("key"),
        merchant_id=tenant.merchant_id,
        environment=tenant.environment,
        type=KeyType.SECRET,
        key_hash=new_id("hash"),
        display_prefix="sk_test_AbCd",
        created=NOW,
        expires_at=NOW + 10,
        revoked_at=NOW + 5,
    )
    async with persistence.uow_factory(tenant) as uow:
        await uow.api_keys.add(revoked)
        await uow.commit()

    assert await persistence.tenant_directory.find_api_key(revoked.key_hash) == revoked
    assert await persistence.tenant_directory.find_api_key(new_id("hash")) is None


async def test_route_callback_leads_to_the_push_that_issued_the_token(persistence: Persistence, tenant: Tenant) -> None:
    intent = created_intent(tenant)
    push = push_attempt(intent, attempt_id=new_id("pa"))
    async with persistence.uow_factory(tenant) as uow:
        await uow.intents.add(intent)
        await uow.attempts.add(push)
        await uow.commit()

    route = await persistence.tenant_directory.route_callback(push.callback_token_hash or "")

    assert route == CallbackRoute(tenant=tenant, intent_id=intent.id, push_id=push.id)
    assert await persistence.tenant_directory.route_callback("0" * 64) is None


async def test_credential_tenants_lists_only_rows_under_another_key(persistence: Persistence) -> None:
    current, stale = new_id("kid"), new_id("kid")
    tenants = [new_tenant(), new_tenant(Environment.PRODUCTION)]
    for tenant, key_id in zip(tenants, (current, stale), strict=True):
        await seed_merchant(persistence.uow_factory, tenant)
        view = CredentialsView(
            environment=tenant.environment,
            business_short_code="174379",
            transaction_type=TransactionType.PAYBILL,
            party_b=None,
            consumer_key_last4="abcd",
            updated=NOW,
        )
        async with persistence.uow_factory(tenant) as uow:
            await uow.credentials.put(
                StoredCredentials(sealed=Sealed(encrypted_blob="b", iv="i", key_id=key_id), view=view)
            )
            await uow.commit()

    listed = await persistence.tenant_directory.credential_tenants(not_key_id=current)

    assert tenants[1] in listed
    assert tenants[0] not in listed


async def test_an_unroutable_callback_is_kept_with_a_token_hint_only(
    persistence: Persistence, database_url: str
) -> None:
    body = {"Body": {"stkCallback": {"ResultCode": 0, "CheckoutRequestID": new_id("ws_CO")}}}

    await persistence.tenant_directory.record_unroutable_callback("AbC123SECRETREST", body, NOW)

    # Read back as the URL's own role (the service's role has no access to this table at all on Postgres).
    owner = create_async_engine(database_url)
    try:
        async with owner.connect() as connection:
            rows = (await connection.execute(select(UNMATCHED_CALLBACKS))).mappings().all()
    finally:
        await owner.dispose()
    mine = [row for row in rows if row["body"] == body]
    assert [(row["token_hint"], row["received_at"]) for row in mine] == [("AbC123", NOW)]
