"""The storage fakes behave like the database adapters: tenant scoping, staged writes, optimistic versions."""

from __future__ import annotations

import msgspec
import pytest

from micropay.domain.model import state_machine as sm
from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import CredentialsView, TransactionType
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.idempotency import IN_FLIGHT_LEASE_SECONDS, StoredResponse
from micropay.domain.model.ids import is_valid_id
from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.domain.model.merchant import Merchant
from micropay.domain.model.money import Money
from micropay.domain.model.provider import AttemptKind, AttemptOutcome
from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.credential_vault import Sealed
from micropay.ports.errors import ConcurrentUpdate, StorageUnavailable
from micropay.ports.intent_repository import IntentPageQuery
from tests.fakes import (
    FakeClock,
    FakeIdempotencyStore,
    FakeTenantDirectory,
    FakeUnitOfWorkFactory,
    InMemoryDatabase,
    SchemaViolation,
    SequentialIdGenerator,
)

A = Tenant(merchant_id="acct_a", environment=Environment.SANDBOX)
A_LIVE = Tenant(merchant_id="acct_a", environment=Environment.PRODUCTION)
B = Tenant(merchant_id="acct_b", environment=Environment.SANDBOX)


@pytest.fixture
def db() -> InMemoryDatabase:
    return InMemoryDatabase()


@pytest.fixture
def uow(db: InMemoryDatabase) -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory(db)


def _intent(intent_id: str, tenant: Tenant = A, created: int = 100) -> PaymentIntent:
    intent, _ = sm.create(
        intent_id=intent_id,
        tenant=tenant,
        money=Money(amount=1000),
        phone=None,
        account_reference="R",
        description=None,
        metadata={},
        secret_hash="h",
        now=created,
    )
    return intent


async def _add(uow: FakeUnitOfWorkFactory, *intents: PaymentIntent, tenant: Tenant = A) -> None:
    async with uow(tenant) as u:
        for intent in intents:
            await u.intents.add(intent)
        await u.commit()


async def test_writes_are_visible_in_the_transaction_and_kept_only_on_commit(
    db: InMemoryDatabase, uow: FakeUnitOfWorkFactory
) -> None:
    async with uow(A) as u:
        await u.intents.add(_intent("pi_1"))
        assert await u.intents.get("pi_1") == _intent("pi_1")
    assert db.intents == {}
    await _add(uow, _intent("pi_1"))
    assert db.intents == {"pi_1": _intent("pi_1")}
    assert db.commits == 1


async def test_rows_of_other_tenants_are_invisible_and_unwritable(uow: FakeUnitOfWorkFactory) -> None:
    await _add(uow, _intent("pi_b", B), tenant=B)
    for tenant in (A, A_LIVE):
        async with uow(tenant) as u:
            assert await u.intents.get("pi_b") is None
            assert (await u.intents.list_page(IntentPageQuery())).data == []
            with pytest.raises(SchemaViolation):
                await u.intents.add(_intent("pi_x", B))


async def test_save_needs_the_previous_version(db: InMemoryDatabase, uow: FakeUnitOfWorkFactory) -> None:
    await _add(uow, _intent("pi_1"))
    canceled, _ = sm.cancel(_intent("pi_1"), reason=None, now=200)
    async with uow(A) as u:
        with pytest.raises(ConcurrentUpdate):
            await u.intents.save(msgspec.structs.replace(canceled, version=3))
        await u.intents.save(canceled)
        await u.commit()
    assert db.intents["pi_1"].status is IntentStatus.CANCELED
    async with uow(A) as u:
        with pytest.raises(ConcurrentUpdate):
            await u.intents.save(canceled)  # same version again: someone already wrote it


async def test_the_second_of_two_racing_transactions_loses(db: InMemoryDatabase, uow: FakeUnitOfWorkFactory) -> None:
    await _add(uow, _intent("pi_1"))
    first, second = uow(A), uow(A)
    async with first, second:
        mine = await first.intents.get("pi_1")
        theirs = await second.intents.get("pi_1")
        assert mine is not None
        assert theirs is not None
        await first.intents.save(sm.cancel(mine, reason="first", now=1)[0])
        await second.intents.save(sm.cancel(theirs, reason="second", now=1)[0])
        await second.commit()
        with pytest.raises(ConcurrentUpdate):
            await first.commit()
    assert db.intents["pi_1"].cancellation_reason == "second"


async def test_duplicate_ids_and_use_outside_the_block_are_bugs(uow: FakeUnitOfWorkFactory) -> None:
    await _add(uow, _intent("pi_1"))
    async with uow(A) as u:
        with pytest.raises(SchemaViolation):
            await u.intents.add(_intent("pi_1"))
    with pytest.raises(SchemaViolation):
        await u.intents.get("pi_1")


async def test_list_page_is_newest_first_with_cursors_and_status(uow: FakeUnitOfWorkFactory) -> None:
    intents = [_intent(f"pi_{i}", created=100 + i) for i in range(5)]
    await _add(uow, *intents)
    canceled, _ = sm.cancel(intents[2], reason=None, now=500)
    async with uow(A) as u:
        await u.intents.save(canceled)
        page = await u.intents.list_page(IntentPageQuery(limit=2))
        assert ([i.id for i in page.data], page.has_more) == (["pi_4", "pi_3"], True)
        page = await u.intents.list_page(IntentPageQuery(limit=2, starting_after="pi_3"))
        assert ([i.id for i in page.data], page.has_more) == (["pi_2", "pi_1"], True)
        page = await u.intents.list_page(IntentPageQuery(limit=2, starting_after="pi_1"))
        assert ([i.id for i in page.data], page.has_more) == (["pi_0"], False)
        page = await u.intents.list_page(IntentPageQuery(limit=2, ending_before="pi_1"))
        assert ([i.id for i in page.data], page.has_more) == (["pi_3", "pi_2"], True)
        page = await u.intents.list_page(IntentPageQuery(limit=2, ending_before="pi_3"))
        assert ([i.id for i in page.data], page.has_more) == (["pi_4"], False)
        page = await u.intents.list_page(IntentPageQuery(status=IntentStatus.CANCELED))
        assert [i.id for i in page.data] == ["pi_2"]
        page = await u.intents.list_page(IntentPageQuery(starting_after="pi_unknown"))
        assert (page.data, page.has_more) == ([], False)


def _attempt(attempt_id: str, created: int, tenant: Tenant = A, token_hash: str | None = None) -> ProviderAttempt:
    return ProviderAttempt(
        id=attempt_id,
        intent_id="pi_1",
        merchant_id=tenant.merchant_id,
        environment=tenant.environment,
        kind=AttemptKind.STK_PUSH,
        push_id=attempt_id,
        created=created,
        callback_token_hash=token_hash,
    )


async def test_attempts_list_oldest_first_and_update_only_the_outcome_fields(
    db: InMemoryDatabase, uow: FakeUnitOfWorkFactory
) -> None:
    async with uow(A) as u:
        for i in range(3):
            await u.attempts.add(_attempt(f"pa_{i}", created=10 + i, token_hash=f"t{i}"))
        await u.commit()
    changed = msgspec.structs.replace(
        _attempt("pa_1", created=999, token_hash="forged"),
        outcome=AttemptOutcome.ACCEPTED,
        request={"Amount": 10},
        response={"ResponseCode": "0"},
        http_status=200,
        checkout_request_id="ws_CO_1",
        updated=50,
    )
    async with uow(A) as u:
        await u.attempts.update(changed)
        rows, more = await u.attempts.list_for_intent("pi_1", limit=2)
        assert ([r.id for r in rows], more) == (["pa_0", "pa_1"], True)
        rows, more = await u.attempts.list_for_intent("pi_1", limit=2, starting_after="pa_1")
        assert ([r.id for r in rows], more) == (["pa_2"], False)
        with pytest.raises(SchemaViolation):
            await u.attempts.update(_attempt("pa_missing", created=0))
        await u.commit()
    stored = db.attempts["pa_1"]
    assert (stored.outcome, stored.request, stored.http_status, stored.checkout_request_id) == (
        AttemptOutcome.ACCEPTED,
        {"Amount": 10},
        200,
        "ws_CO_1",
    )
    assert (stored.created, stored.callback_token_hash) == (11, "t1")


def _stored(key_id: str, env: Environment = Environment.SANDBOX) -> StoredCredentials:
    view = CredentialsView(
        environment=env,
        business_short_code="174379",
        transaction_type=TransactionType.PAYBILL,
        party_b=None,
        consumer_key_last4="wxyz",
        updated=1,
    )
    return StoredCredentials(sealed=Sealed(encrypted_blob="b", iv="i", key_id=key_id), view=view)


async def test_credentials_put_reseal_and_delete(db: InMemoryDatabase, uow: FakeUnitOfWorkFactory) -> None:
    async with uow(A) as u:
        assert await u.credentials.get() is None
        assert not await u.credentials.delete()
        with pytest.raises(SchemaViolation):
            await u.credentials.put(_stored("k1", Environment.PRODUCTION))
        await u.credentials.put(_stored("k1"))
        await u.commit()
    new_seal = Sealed(encrypted_blob="b2", iv="i2", key_id="k2")
    async with uow(A) as u:
        assert not await u.credentials.reseal("k0", new_seal)
        assert await u.credentials.reseal("k1", new_seal)
        await u.commit()
    assert db.credentials[A].sealed == new_seal
    async with uow(A_LIVE) as u:
        assert await u.credentials.get() is None
    async with uow(A) as u:
        assert await u.credentials.delete()
        assert await u.credentials.get() is None
        await u.commit()
    assert A not in db.credentials


def _key(key_id: str, kind: KeyType, created: int, tenant: Tenant = A) -> ApiKey:
    return ApiKey(
        id=key_id,
        merchant_id=tenant.merchant_id,
        environment=tenant.environment,
        type=kind,
        key_hash=f"hash-{key_id}",
        display_prefix="sk_test_abcd",
        created=created,
    )


async def test_api_keys_active_and_set_expiry(db: InMemoryDatabase, uow: FakeUnitOfWorkFactory) -> None:
    async with uow(A) as u:
        await u.api_keys.add(_key("key_2", KeyType.SECRET, 2))
        await u.api_keys.add(_key("key_1", KeyType.SECRET, 1))
        await u.api_keys.add(_key("key_p", KeyType.PUBLISHABLE, 1))
        await u.commit()
    async with uow(A) as u:
        assert [k.id for k in await u.api_keys.active(KeyType.SECRET, 10)] == ["key_1", "key_2"]
        await u.api_keys.set_expiry("key_1", 10)
        await u.api_keys.set_expiry("key_unknown", 10)
        assert [k.id for k in await u.api_keys.active(KeyType.SECRET, 10)] == ["key_2"]
        assert [k.id for k in await u.api_keys.active(KeyType.SECRET, 9)] == ["key_1", "key_2"]
        await u.commit()
    assert db.api_keys["key_1"].expires_at == 10
    async with uow(B) as u:
        assert await u.api_keys.active(KeyType.SECRET, 0) == []


async def test_a_unit_of_work_sees_only_its_own_merchant(uow: FakeUnitOfWorkFactory) -> None:
    merchant = Merchant(id="acct_a", name="Shop", email=None, created=1)
    async with uow(A) as u:
        with pytest.raises(SchemaViolation):
            await u.merchants.add(msgspec.structs.replace(merchant, id="acct_b"))
        await u.merchants.add(merchant)
        await u.commit()
    async with uow(A_LIVE) as u:
        assert await u.merchants.get() == merchant
    async with uow(B) as u:
        assert await u.merchants.get() is None


async def test_a_database_that_is_down_fails_every_call(db: InMemoryDatabase, uow: FakeUnitOfWorkFactory) -> None:
    store, directory = FakeIdempotencyStore(db), FakeTenantDirectory(db)
    async with uow(A) as u:
        db.down = True
        with pytest.raises(StorageUnavailable):
            await u.intents.get("pi_1")
        with pytest.raises(StorageUnavailable):
            await u.commit()
    with pytest.raises(StorageUnavailable):
        async with uow(A):
            pass
    with pytest.raises(StorageUnavailable):
        await store.claim(A, "k", "fp", 0)
    with pytest.raises(StorageUnavailable):
        await directory.find_api_key("h")
    db.down = False
    async with uow(A) as u:
        assert await u.intents.get("pi_1") is None


async def test_the_tenant_directory_looks_up_committed_rows_by_hash(
    db: InMemoryDatabase, uow: FakeUnitOfWorkFactory
) -> None:
    directory = FakeTenantDirectory(db)
    async with uow(B) as u:
        await u.api_keys.add(_key("key_b", KeyType.SECRET, 1, tenant=B))
        await u.attempts.add(_attempt("pa_b", 1, tenant=B, token_hash="tok-hash"))
        await u.credentials.put(_stored("old"))
        assert await directory.route_callback("tok-hash") is None  # not committed yet
        await u.commit()
    await _add(uow)
    async with uow(A) as u:
        await u.credentials.put(_stored("current"))
        await u.commit()
    found = await directory.find_api_key("hash-key_b")
    assert found is not None
    assert found.merchant_id == "acct_b"
    assert await directory.find_api_key("nope") is None
    route = await directory.route_callback("tok-hash")
    assert route is not None
    assert (route.tenant, route.intent_id, route.push_id) == (B, "pi_1", "pa_b")
    assert await directory.route_callback("other") is None
    assert await directory.credential_tenants(not_key_id="current") == [B]
    await directory.record_unroutable_callback("abcdefghij", {"Body": {}}, 7)
    assert [(c.token_hint, c.received_at) for c in db.unroutable_callbacks] == [("abcdef", 7)]


async def test_idempotency_claims_follow_decide(db: InMemoryDatabase) -> None:
    store = FakeIdempotencyStore(db)
    response = StoredResponse(status=201, body=b"{}")
    assert await store.claim(A, "k", "fp", 0) is None
    in_flight = await store.claim(A, "k", "fp", 1)
    assert in_flight is not None
    assert in_flight.response is None
    assert await store.claim(B, "k", "fp", 1) is None  # keys are per tenant
    mismatch = await store.claim(A, "k", "other", 500)
    assert mismatch is not None
    assert mismatch.fingerprint == "fp"
    assert await store.claim(A, "k", "fp", 500) is None  # past the lease: taken over
    await store.complete(A, "k", response, claimed_at=500)
    await store.release(A, "k", claimed_at=500)  # a completed record is not dropped
    replay = await store.claim(A, "k", "fp", 600)
    assert replay is not None
    assert replay.response == response
    assert await store.claim(A, "k", "fp", 500 + 24 * 3600) is None  # expired
    await store.release(A, "k", claimed_at=500 + 24 * 3600)
    assert (A, "k") not in db.idempotency


async def test_only_the_holder_of_a_claim_completes_or_releases_it(db: InMemoryDatabase) -> None:
    store = FakeIdempotencyStore(db)
    first_holder = 0.5
    assert await store.claim(A, "k", "fp", first_holder) is None
    taken_over_at = first_holder + IN_FLIGHT_LEASE_SECONDS
    assert await store.claim(A, "k", "fp", taken_over_at) is None  # the first claim outlived its lease

    await store.complete(A, "k", StoredResponse(status=201, body=b"stale"), claimed_at=first_holder)
    await store.release(A, "k", claimed_at=first_holder)
    assert db.idempotency[(A, "k")].created_at == taken_over_at
    assert db.idempotency[(A, "k")].response is None

    await store.complete(A, "k", StoredResponse(status=201, body=b"fresh"), claimed_at=taken_over_at)
    await store.release(A, "k", claimed_at=first_holder)
    stored = db.idempotency[(A, "k")].response
    assert stored is not None
    assert stored.body == b"fresh"


async def test_prune_deletes_only_records_older_than_the_cutoff_oldest_first(db: InMemoryDatabase) -> None:
    store = FakeIdempotencyStore(db)
    for tenant, key, created_at in ((A, "a1", 10), (B, "b1", 20), (A, "a2", 30), (B, "b2", 40)):
        assert await store.claim(tenant, key, "fp", created_at) is None

    assert await store.prune(created_before=40, limit=2) == 2
    assert set(db.idempotency) == {(A, "a2"), (B, "b2")}
    assert await store.prune(created_before=40, limit=0) == 0
    assert await store.prune(created_before=40, limit=5) == 1
    assert set(db.idempotency) == {(B, "b2")}  # created exactly at the cutoff: kept


def test_sequential_ids_are_valid_sortable_and_secrets_distinct() -> None:
    clock = FakeClock()
    ids = SequentialIdGenerator(clock)
    first = ids.new_id("pi")
    second = ids.new_id("pi")
    clock.advance(0.001)
    third = ids.new_id("pi")
    assert all(is_valid_id(i, "pi") for i in (first, second, third))
    assert first < second < third
    assert len({ids.new_secret(32) for _ in range(100)}) == 100
    assert all(len(ids.new_secret(n)) == n for n in (0, 1, 7, 8, 32, 100))
