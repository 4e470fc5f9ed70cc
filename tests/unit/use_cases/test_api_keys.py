"""CreateMerchant, Authenticate and RollApiKey: key formats, hashes only at rest, expiry and revocation."""

from __future__ import annotations

import hashlib
import re

import msgspec
import pytest

from micropay.domain.errors import AuthenticationFailed, InvalidParameter
from micropay.domain.model.api_keys import MAX_ROLL_OVERLAP_SECONDS, ApiKey, KeyType
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.use_cases.api_keys import MerchantCreated
from tests.unit.use_cases.world import World

BODY = "[0-9A-Za-z]{32}"


async def _merchant(world: World) -> MerchantCreated:
    return await world.create_merchant("Duka Ltd", "owner@duka.example")


def _tenant(created: MerchantCreated, environment: Environment) -> Tenant:
    return Tenant(merchant_id=created.merchant_id, environment=environment)


async def test_create_merchant_issues_both_keys_for_both_environments(world: World) -> None:
    created = await _merchant(world)

    assert set(created.keys) == {"sandbox", "production"}
    assert re.fullmatch(f"sk_test_{BODY}", created.keys["sandbox"].secret)
    assert re.fullmatch(f"pk_test_{BODY}", created.keys["sandbox"].publishable)
    assert re.fullmatch(f"sk_live_{BODY}", created.keys["production"].secret)
    assert re.fullmatch(f"pk_live_{BODY}", created.keys["production"].publishable)
    raws = [k for env in created.keys.values() for k in (env.secret, env.publishable)]
    assert len(set(raws)) == 4


async def test_create_merchant_stores_the_merchant_once_and_only_key_hashes(world: World) -> None:
    created = await _merchant(world)

    [merchant] = world.db.merchants.values()
    assert (merchant.id, merchant.name, merchant.email) == (created.merchant_id, "Duka Ltd", "owner@duka.example")
    assert merchant.created == int(world.clock.now())
    stored = list(world.db.api_keys.values())
    raws = [k for env in created.keys.values() for k in (env.secret, env.publishable)]
    assert sorted(k.key_hash for k in stored) == sorted(hashlib.sha256(r.encode()).hexdigest() for r in raws)
    dump = msgspec.json.encode(stored).decode()
    for raw in raws:
        assert raw not in dump
        assert raw[12:] not in dump
    by_hash = {k.key_hash: k for k in stored}
    for environment in Environment:
        keys = created.keys[environment.value]
        secret = by_hash[hashlib.sha256(keys.secret.encode()).hexdigest()]
        assert (secret.environment, secret.type, secret.display_prefix) == (
            environment,
            KeyType.SECRET,
            keys.secret[:12],
        )
        assert secret.merchant_id == created.merchant_id
        assert (secret.expires_at, secret.revoked_at) == (None, None)


@pytest.mark.parametrize(
    ("name", "email", "param"),
    [("", None, "name"), ("   ", None, "name"), ("n" * 201, None, "name"), ("Duka", "not-an-email", "email")],
)
async def test_create_merchant_validates_name_and_email(world: World, name: str, email: str | None, param: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        await world.create_merchant(name, email)

    assert raised.value.param == param
    assert world.db.merchants == {}
    assert world.db.api_keys == {}


async def test_create_merchant_trims_the_name_and_email_is_optional(world: World) -> None:
    created = await world.create_merchant("  Duka  ")

    merchant = world.db.merchants[created.merchant_id]
    assert (merchant.name, merchant.email) == ("Duka", None)


@pytest.mark.parametrize(
    ("environment", "kind"),
    [
        (Environment.SANDBOX, KeyType.SECRET),
        (Environment.SANDBOX, KeyType.PUBLISHABLE),
        (Environment.PRODUCTION, KeyType.SECRET),
        (Environment.PRODUCTION, KeyType.PUBLISHABLE),
    ],
)
async def test_each_issued_key_authenticates_as_its_tenant_and_type(
    world: World, environment: Environment, kind: KeyType
) -> None:
    created = await _merchant(world)
    keys = created.keys[environment.value]
    raw = keys.secret if kind is KeyType.SECRET else keys.publishable

    principal = await world.authenticate(raw)

    assert principal.tenant == _tenant(created, environment)
    assert principal.key_type is kind
    assert world.db.api_keys[principal.key_id].key_hash == hashlib.sha256(raw.encode()).hexdigest()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "sk_test_",
        "sk_test_short",
        "sk_test_" + "a" * 33,
        "xk_test_" + "a" * 32,
        "sk_prod_" + "a" * 32,
        "Bearer sk_test_" + "a" * 32,
        "sk_test_" + "a" * 31 + "!",
    ],
)
async def test_malformed_keys_fail(world: World, raw: str) -> None:
    await _merchant(world)

    with pytest.raises(AuthenticationFailed) as raised:
        await world.authenticate(raw)

    assert raised.value.code == "api_key_invalid"


async def test_an_unknown_well_formed_key_fails(world: World) -> None:
    await _merchant(world)

    with pytest.raises(AuthenticationFailed):
        await world.authenticate("sk_test_" + "Z" * 32)


def _planted(world: World, raw: str, **fields: object) -> ApiKey:
    """A key row planted directly (states no use case produces on its own, like a revoked key)."""
    key = msgspec.convert(
        {
            "id": "key_planted00000000000000001",
            "merchant_id": "acct_planted0000000000000001",
            "environment": "sandbox",
            "type": "secret",
            "key_hash": hashlib.sha256(raw.encode()).hexdigest(),
            "display_prefix": raw[:12],
            "created": int(world.clock.now()) - 100,
            **fields,
        },
        ApiKey,
    )
    world.db.api_keys[key.id] = key
    return key


async def test_a_planted_active_key_authenticates(world: World) -> None:
    raw = "sk_test_" + "P" * 32
    _planted(world, raw)

    principal = await world.authenticate(raw)

    assert principal.key_type is KeyType.SECRET


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"expires_at": 0}, "expired"),
        ({"expires_at": "now"}, "expires now"),
        ({"revoked_at": "now"}, "revoked"),
        ({"revoked_at": 1}, "revoked long ago"),
        ({"environment": "production"}, "stored for the other environment"),
        ({"type": "publishable"}, "stored as the other type"),
    ],
)
async def test_expired_revoked_or_mismatched_keys_fail(world: World, fields: dict[str, object], why: str) -> None:
    now = int(world.clock.now())
    raw = "sk_test_" + "Q" * 32
    _planted(world, raw, **{k: (now if v == "now" else v) for k, v in fields.items()})

    with pytest.raises(AuthenticationFailed):
        await world.authenticate(raw)


async def test_a_key_revoked_in_the_future_still_works_until_then(world: World) -> None:
    raw = "sk_test_" + "R" * 32
    _planted(world, raw, revoked_at=int(world.clock.now()) + 10)

    await world.authenticate(raw)
    world.clock.advance(10)
    with pytest.raises(AuthenticationFailed):
        await world.authenticate(raw)


async def test_roll_without_overlap_revokes_the_old_key_at_once(world: World) -> None:
    created = await _merchant(world)
    old = created.keys["sandbox"].secret
    tenant = _tenant(created, Environment.SANDBOX)

    issued = await world.roll_key(tenant, "secret")

    assert re.fullmatch(f"sk_test_{BODY}", issued.raw)
    assert issued.raw != old
    assert world.db.api_keys[issued.key.id].key_hash == hashlib.sha256(issued.raw.encode()).hexdigest()
    assert issued.raw not in msgspec.json.encode(list(world.db.api_keys.values())).decode()
    with pytest.raises(AuthenticationFailed):
        await world.authenticate(old)
    principal = await world.authenticate(issued.raw)
    assert (principal.tenant, principal.key_type, principal.key_id) == (tenant, KeyType.SECRET, issued.key.id)


async def test_roll_leaves_other_types_and_environments_alone(world: World) -> None:
    created = await _merchant(world)

    await world.roll_key(_tenant(created, Environment.SANDBOX), "secret")

    await world.authenticate(created.keys["sandbox"].publishable)
    await world.authenticate(created.keys["production"].secret)
    await world.authenticate(created.keys["production"].publishable)


async def test_roll_with_overlap_keeps_the_old_key_until_expires_in_passes(world: World) -> None:
    created = await _merchant(world)
    old = created.keys["sandbox"].publishable

    issued = await world.roll_key(_tenant(created, Environment.SANDBOX), KeyType.PUBLISHABLE, 3600)

    assert re.fullmatch(f"pk_test_{BODY}", issued.raw)
    await world.authenticate(old)
    world.clock.advance(3599)
    await world.authenticate(old)
    world.clock.advance(1)
    with pytest.raises(AuthenticationFailed):
        await world.authenticate(old)
    await world.authenticate(issued.raw)


async def test_a_second_roll_never_extends_an_old_keys_overlap(world: World) -> None:
    created = await _merchant(world)
    old = created.keys["sandbox"].secret
    tenant = _tenant(created, Environment.SANDBOX)
    await world.roll_key(tenant, "secret", 60)

    await world.roll_key(tenant, "secret", MAX_ROLL_OVERLAP_SECONDS)

    world.clock.advance(60)
    with pytest.raises(AuthenticationFailed):
        await world.authenticate(old)


async def test_the_maximum_overlap_is_accepted(world: World) -> None:
    created = await _merchant(world)
    old = created.keys["sandbox"].secret

    await world.roll_key(_tenant(created, Environment.SANDBOX), "secret", MAX_ROLL_OVERLAP_SECONDS)

    world.clock.advance(MAX_ROLL_OVERLAP_SECONDS - 1)
    await world.authenticate(old)


@pytest.mark.parametrize("expires_in", [MAX_ROLL_OVERLAP_SECONDS + 1, -1, True, 1.5, "60"])
async def test_roll_with_a_bad_expires_in_is_refused_and_changes_nothing(world: World, expires_in: object) -> None:
    created = await _merchant(world)
    keys_before = dict(world.db.api_keys)

    with pytest.raises(InvalidParameter) as raised:
        await world.roll_key(_tenant(created, Environment.SANDBOX), "secret", expires_in)

    assert raised.value.param == "expires_in"
    assert world.db.api_keys == keys_before
    await world.authenticate(created.keys["sandbox"].secret)


@pytest.mark.parametrize(
    ("key_type", "code"), [(None, "parameter_missing"), ("restricted", "parameter_invalid"), (7, "parameter_invalid")]
)
async def test_roll_with_a_bad_type_is_refused(world: World, key_type: object, code: str) -> None:
    created = await _merchant(world)
    keys_before = dict(world.db.api_keys)

    with pytest.raises(InvalidParameter) as raised:
        await world.roll_key(_tenant(created, Environment.SANDBOX), key_type)

    assert (raised.value.param, raised.value.code) == ("type", code)
    assert world.db.api_keys == keys_before
