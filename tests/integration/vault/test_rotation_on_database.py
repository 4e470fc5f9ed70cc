"""Key rotation end to end on a real database (SQLite and a fresh Postgres database of its own)."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from Crypto.Cipher import AES
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from micropay.adapters.persistence import Persistence, build_persistence, create_engine
from micropay.adapters.system import SecureIdGenerator, SystemClock
from micropay.adapters.vault import AesGcmVault, MasterKey, MasterKeys
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.use_cases.api_keys import CreateMerchant
from micropay.domain.use_cases.credentials import CredentialResolver, RotateVaultKeys, SetCredentials
from micropay.ports.credential_vault import Sealed, VaultError
from tests.pg import migrated_sqlite_file, postgres_database, require_postgres

KEY_1 = MasterKey(os.urandom(32))
KEY_2 = MasterKey(os.urandom(32))
PAYLOAD = {
    "consumer_key": "ck-0123456789abcd",
    "consumer_secret": "cs-very-secret-value",
    "business_short_code": "174379",
    "passkey": "pk-passkey-value",
    "transaction_type": "CustomerPayBillOnline",
}


@pytest.fixture(params=["sqlite", "postgres"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Rotation touches every tenant, so each test gets a database nobody else writes to."""
    if request.param == "sqlite":
        yield migrated_sqlite_file(tmp_path / "rotation.db")
        return
    require_postgres()
    with postgres_database() as url:
        yield url


@pytest.fixture
async def persistence(own_database: str) -> AsyncIterator[Persistence]:
    engine = create_engine(own_database, pool_size=2)
    yield build_persistence(engine)
    await engine.dispose()


async def _tenants_with_credentials(persistence: Persistence, vault: AesGcmVault, count: int) -> list[Tenant]:
    clock, ids = SystemClock(), SecureIdGenerator()
    tenants = []
    for n in range(count):
        created = await CreateMerchant(persistence.uow_factory, clock, ids)(f"Merchant {n}")
        for environment in Environment:
            tenant = Tenant(merchant_id=created.merchant_id, environment=environment)
            await SetCredentials(persistence.uow_factory, vault, clock)(tenant, PAYLOAD)
            tenants.append(tenant)
    return tenants


async def _stored_key_ids(persistence: Persistence, tenants: list[Tenant]) -> set[str]:
    ids = set()
    for tenant in tenants:
        async with persistence.uow_factory(tenant) as uow:
            stored = await uow.credentials.get()
        assert stored is not None
        ids.add(stored.sealed.key_id)
    return ids


async def _readable_with(persistence: Persistence, vault: AesGcmVault, tenants: list[Tenant]) -> bool:
    resolver = CredentialResolver(vault, None)
    try:
        for tenant in tenants:
            async with persistence.uow_factory(tenant) as uow:
                credentials = await resolver.resolve(uow)
            assert credentials.passkey == PAYLOAD["passkey"]
    except VaultError:
        return False
    return True


async def test_rotation_reseals_every_row_and_is_idempotent(persistence: Persistence) -> None:
    old_vault = AesGcmVault(MasterKeys(KEY_1))
    tenants = await _tenants_with_credentials(persistence, old_vault, 3)
    rotating = AesGcmVault(MasterKeys(KEY_2, (KEY_1,)))

    assert await RotateVaultKeys(persistence.uow_factory, persistence.tenant_directory, rotating)() == len(tenants)

    assert await _stored_key_ids(persistence, tenants) == {KEY_2.key_id}
    assert await _readable_with(persistence, AesGcmVault(MasterKeys(KEY_2)), tenants)
    assert not await _readable_with(persistence, old_vault, tenants)
    assert await RotateVaultKeys(persistence.uow_factory, persistence.tenant_directory, rotating)() == 0


class _FailingAfter(AesGcmVault):
    """A vault that dies after ``n`` seals: an interrupted rotation."""

    def __init__(self, keys: MasterKeys, n: int) -> None:
        super().__init__(keys)
        self._left = n

    def seal(self, plaintext: bytes, associated_data: bytes) -> Sealed:
        if self._left == 0:
            raise KeyboardInterrupt
        self._left -= 1
        return super().seal(plaintext, associated_data)


async def test_interrupted_rotation_leaves_everything_readable_and_resumes(persistence: Persistence) -> None:
    tenants = await _tenants_with_credentials(persistence, AesGcmVault(MasterKeys(KEY_1)), 2)
    keys = MasterKeys(KEY_2, (KEY_1,))

    with pytest.raises(KeyboardInterrupt):
        await RotateVaultKeys(persistence.uow_factory, persistence.tenant_directory, _FailingAfter(keys, 2))()

    assert await _stored_key_ids(persistence, tenants) == {KEY_1.key_id, KEY_2.key_id}
    assert await _readable_with(persistence, AesGcmVault(keys), tenants)
    resumed = await RotateVaultKeys(persistence.uow_factory, persistence.tenant_directory, AesGcmVault(keys))()
    assert resumed == len(tenants) - 2
    assert await _stored_key_ids(persistence, tenants) == {KEY_2.key_id}


async def _raw_row(url: str, tenant: Tenant) -> tuple[str, str, str]:
    """Read the stored row past the service's role (a superuser or the SQLite file itself)."""
    engine: AsyncEngine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT encrypted_blob, iv, key_id FROM micropay_provider_credentials "
                        "WHERE merchant_id = :m AND environment = :e"
                    ),
                    {"m": tenant.merchant_id, "e": tenant.environment.value},
                )
            ).one()
    finally:
        await engine.dispose()
    return row[0], row[1], row[2]


async def test_an_independent_aes_gcm_decrypts_a_stored_row(persistence: Persistence, own_database: str) -> None:
    tenant = (await _tenants_with_credentials(persistence, AesGcmVault(MasterKeys(KEY_1)), 1))[1]
    blob_b64, iv_b64, key_id = await _raw_row(own_database, tenant)
    blob, iv = base64.b64decode(blob_b64), base64.b64decode(iv_b64)
    aad = f"{tenant.merchant_id}:{tenant.environment.value}".encode()

    cipher = AES.new(KEY_1.material, AES.MODE_GCM, nonce=iv)
    cipher.update(aad)
    plaintext = cipher.decrypt_and_verify(blob[:-16], blob[-16:])

    assert key_id == KEY_1.key_id
    assert len(iv) == 12
    import json

    assert json.loads(plaintext) | {"party_b": None} == PAYLOAD | {"party_b": None}
    other = AES.new(KEY_1.material, AES.MODE_GCM, nonce=iv)
    other.update(f"{tenant.merchant_id}:sandbox-other".encode())
    with pytest.raises(ValueError, match="MAC check failed"):
        other.decrypt_and_verify(blob[:-16], blob[-16:])
