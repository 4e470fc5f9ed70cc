"""Creating, listing and deleting users; sign-up (contract §10)."""

from __future__ import annotations

import pytest

from micropay.domain.auth_errors import EmailTaken, InvalidCredentials, SignupClosed
from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model.users import Role
from tests.unit.use_cases.accounts_world import PASSWORD, AccountsWorld


async def test_sign_up_creates_a_merchant_with_keys_and_an_owner_and_logs_in() -> None:
    world = AccountsWorld()

    issued = await world.sign_up("Founder@Duka.co.ke", PASSWORD, "Duka Ltd")

    assert issued.user.role is Role.OWNER
    assert issued.user.email == "Founder@Duka.co.ke"
    assert world.db.merchants[issued.merchant.id].name == "Duka Ltd"
    assert len([k for k in world.db.api_keys.values() if k.merchant_id == issued.merchant.id]) == 4
    assert issued.session_id in world.tables.sessions


async def test_sign_up_is_refused_when_closed_and_creates_nothing() -> None:
    world = AccountsWorld(signup_open=False)

    with pytest.raises(SignupClosed):
        await world.sign_up("a@b.io", PASSWORD, "Shop")

    assert world.db.merchants == {}
    assert world.tables.users == {}


async def test_a_taken_email_any_case_creates_no_merchant() -> None:
    world = AccountsWorld()
    await world.sign_up("ann@example.com", PASSWORD, "First")

    with pytest.raises(EmailTaken):
        await world.sign_up("ANN@Example.COM", PASSWORD, "Second")

    assert len(world.db.merchants) == 1


@pytest.mark.parametrize(
    ("email", "password", "role", "param"),
    [
        ("not-an-email", PASSWORD, "owner", "email"),
        ("a@b.io", "short", "owner", "password"),
        ("a@b.io", "x" * 257, "owner", "password"),
        ("a@b.io", PASSWORD, "admin", "role"),
    ],
)
async def test_bad_users_are_refused_naming_the_field(email: str, password: str, role: str, param: str) -> None:
    world = AccountsWorld()
    created = await world.create_merchant("Duka", None)

    with pytest.raises(InvalidParameter) as caught:
        await world.create_user(created.merchant_id, email, password, role)

    assert caught.value.param == param
    assert world.tables.users == {}


async def test_a_user_of_an_unknown_merchant_is_refused() -> None:
    world = AccountsWorld()
    with pytest.raises(ResourceMissing):
        await world.create_user("acct_000000000000000000000099", "a@b.io", PASSWORD, "owner")


async def test_deleting_a_user_ends_its_sessions_but_the_last_owner_stays() -> None:
    world = AccountsWorld()
    owner = await world.owner()
    dev = await world.create_user(owner.merchant_id, "dev@example.com", PASSWORD, "developer")
    await world.log_in("dev@example.com", PASSWORD)

    removed = await world.delete_user(owner.merchant_id, dev.id)
    with pytest.raises(InvalidParameter) as last:
        await world.delete_user(owner.merchant_id, owner.id)
    with pytest.raises(ResourceMissing):
        await world.delete_user(owner.merchant_id, dev.id)

    assert removed.id == dev.id
    assert last.value.code == "last_owner"
    assert [u.id for u in await world.list_users(owner.merchant_id)] == [owner.id]
    assert all(s.user_id != dev.id for s in world.tables.sessions.values())
    with pytest.raises(InvalidCredentials):
        await world.log_in("dev@example.com", PASSWORD)


async def test_users_are_listed_per_merchant() -> None:
    world = AccountsWorld()
    ann = await world.owner("ann@example.com")
    bob = await world.owner("bob@example.com")

    assert [u.id for u in await world.list_users(ann.merchant_id)] == [ann.id]
    assert [u.id for u in await world.list_users(bob.merchant_id)] == [bob.id]


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "Duka\x00Ltd", "Duka\nLtd"])
async def test_sign_up_refuses_bad_business_names(name: str) -> None:
    world = AccountsWorld()
    with pytest.raises(InvalidParameter) as caught:
        await world.sign_up("a@b.io", PASSWORD, name)
    assert caught.value.param == "business_name"
    assert world.db.merchants == {}
