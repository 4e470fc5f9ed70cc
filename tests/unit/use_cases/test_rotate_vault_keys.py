"""RotateVaultKeys: every row re-sealed under the current key, idempotently, never over a concurrent update."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest

from micropay.domain.model.credentials import validate_credentials
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.use_cases.credentials import RotateVaultKeys, seal, unseal
from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.credential_vault import CredentialVault, Sealed, VaultError
from tests.fakes import FakeVault
from tests.unit.use_cases.world import MERCHANT_PAYLOAD, OTHER_SANDBOX, PRODUCTION, SANDBOX, World

TENANTS = (SANDBOX, PRODUCTION, OTHER_SANDBOX)


async def _three_tenants_under_key_1(world: World) -> None:
    for tenant in TENANTS:
        await world.set_credentials(tenant, {**MERCHANT_PAYLOAD, "consumer_key": f"key-of-{tenant.environment}"})
    assert {s.sealed.key_id for s in world.db.credentials.values()} == {"key-1"}


async def test_rotation_reseals_every_row_under_the_new_key_and_keeps_the_plaintext(world: World) -> None:
    await _three_tenants_under_key_1(world)
    before = {t: unseal(world.vault, t, world.db.credentials[t]) for t in TENANTS}
    views = {t: world.db.credentials[t].view for t in TENANTS}
    world.vault.rotate_to("key-2")

    rotated = await world.rotate()

    assert rotated == 3
    for tenant in TENANTS:
        stored = world.db.credentials[tenant]
        assert stored.sealed.key_id == "key-2"
        assert stored.view == views[tenant]
        assert unseal(world.vault, tenant, stored) == before[tenant]
    world.vault.forget("key-1")
    assert all(unseal(world.vault, t, world.db.credentials[t]) == before[t] for t in TENANTS)


async def test_a_second_run_finds_nothing_to_do(world: World) -> None:
    await _three_tenants_under_key_1(world)
    world.vault.rotate_to("key-2")
    await world.rotate()
    after_first = dict(world.db.credentials)

    assert await world.rotate() == 0
    assert world.db.credentials == after_first


async def test_rotation_without_a_new_key_does_nothing(world: World) -> None:
    await _three_tenants_under_key_1(world)
    before = dict(world.db.credentials)

    assert await world.rotate() == 0
    assert world.db.credentials == before


class _HookedVault:
    """The fake vault, calling ``on_open(tenant)`` while rotation has that tenant's row open."""

    def __init__(self, inner: FakeVault, on_open: Callable[[Tenant], None]) -> None:
        self._inner = inner
        self._on_open = on_open

    @property
    def current_key_id(self) -> str:
        return self._inner.current_key_id

    def seal(self, plaintext: bytes, associated_data: bytes) -> Sealed:
        return self._inner.seal(plaintext, associated_data)

    def open(self, sealed: Sealed, associated_data: bytes) -> bytes:
        merchant_id, _, environment = associated_data.decode().partition(":")
        self._on_open(Tenant(merchant_id=merchant_id, environment=Environment(environment)))
        return self._inner.open(sealed, associated_data)

    def needs_rotation(self, sealed: Sealed) -> bool:
        return self._inner.needs_rotation(sealed)


_: CredentialVault = _HookedVault(FakeVault(), lambda _tenant: None)


@pytest.mark.parametrize("position", [0, 2], ids=["first-row", "last-row"])
async def test_a_row_the_merchant_replaced_meanwhile_is_not_overwritten(world: World, position: int) -> None:
    """The merchant's new row commits while rotation holds the old one open: the compare-and-swap refuses."""
    await _three_tenants_under_key_1(world)
    world.vault.rotate_to("key-2")
    target = _in_rotation_order()[position]
    merchants_row = _merchants_new_row(world, target)
    opened: list[Tenant] = []

    def merchant_commits(tenant: Tenant) -> None:
        opened.append(tenant)
        if tenant == target:
            world.db.credentials[target] = merchants_row

    rotated = await RotateVaultKeys(world.uow, world.directory, _HookedVault(world.vault, merchant_commits))()

    assert opened == list(_in_rotation_order())
    assert rotated == 2
    assert world.db.credentials[target] == merchants_row
    assert unseal(world.vault, target, world.db.credentials[target]).passkey == "the-merchants-new-passkey"
    assert {s.sealed.key_id for s in world.db.credentials.values()} == {"key-2"}


async def test_a_row_replaced_before_rotation_reaches_it_is_skipped(world: World) -> None:
    await _three_tenants_under_key_1(world)
    world.vault.rotate_to("key-2")
    first, second, _ = _in_rotation_order()
    merchants_row = _merchants_new_row(world, second)

    def merchant_commits(tenant: Tenant) -> None:
        if tenant == first:
            world.db.credentials[second] = merchants_row

    rotated = await RotateVaultKeys(world.uow, world.directory, _HookedVault(world.vault, merchant_commits))()

    assert rotated == 2
    assert world.db.credentials[second] == merchants_row
    assert {s.sealed.key_id for s in world.db.credentials.values()} == {"key-2"}


def _in_rotation_order() -> list[Tenant]:
    return sorted(TENANTS, key=lambda t: (t.merchant_id, t.environment.value))


def _merchants_new_row(world: World, tenant: Tenant) -> StoredCredentials:
    payload = {**MERCHANT_PAYLOAD, "passkey": "the-merchants-new-passkey", "business_short_code": "777777"}
    return seal(world.vault, tenant, validate_credentials(**payload), int(world.clock.now()) + 1)


async def test_an_interrupted_rotation_resumes_where_it_stopped(world: World) -> None:
    await _three_tenants_under_key_1(world)
    world.vault.rotate_to("key-2")
    order = sorted(TENANTS, key=lambda t: (t.merchant_id, t.environment.value))
    broken = world.db.credentials[order[1]]
    lost_key = msgspec.structs.replace(broken.sealed, key_id="key-lost")  # a row under a key the vault lacks
    world.db.credentials[order[1]] = StoredCredentials(sealed=lost_key, view=broken.view)

    with pytest.raises(VaultError):
        await world.rotate()

    assert world.db.credentials[order[0]].sealed.key_id == "key-2"
    world.db.credentials[order[1]] = broken
    assert await world.rotate() == 2
    assert {s.sealed.key_id for s in world.db.credentials.values()} == {"key-2"}
