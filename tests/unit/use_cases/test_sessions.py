"""Login, throttling, refresh rotation and reuse, session checks, logout and password change (contract §10)."""

from __future__ import annotations

import pytest

from micropay.domain.auth_errors import (
    AccessTokenInvalid,
    InvalidCredentials,
    RefreshTokenInvalid,
    RefreshTokenReused,
    TooManyAttempts,
)
from micropay.domain.errors import AuthenticationFailed
from micropay.domain.model import login_throttle, sessions
from micropay.domain.model.api_keys import KeyType
from micropay.domain.model.environment import Environment
from micropay.domain.model.sessions import AccessClaims, RevokedReason
from micropay.domain.model.users import Role, email_key
from tests.unit.use_cases.accounts_world import PASSWORD, AccountsWorld


async def test_a_login_starts_a_session_and_stores_only_the_refresh_tokens_hash() -> None:
    world = AccountsWorld()
    issued = await world.logged_in("Ann@Example.com")

    claims = world.signer.verify(issued.access_token, world.clock.now())
    assert claims is not None
    assert (claims.sub, claims.role) == (issued.user.id, Role.OWNER)
    session = world.tables.sessions[claims.sid]
    assert session.is_live(world.clock.now())
    assert session.user_id == issued.user.id
    [token] = world.tables.refresh_tokens.values()
    assert token.token_hash == world.refresh_tokens.hash(issued.refresh_token) != issued.refresh_token
    assert issued.merchant.name == "Duka"
    assert issued.expires_in == 3600
    assert issued.refresh_token not in repr(issued)
    assert issued.access_token not in repr(issued)


async def test_an_unknown_email_and_a_wrong_password_fail_alike_and_both_count() -> None:
    world = AccountsWorld()
    await world.owner("ann@example.com")

    with pytest.raises(InvalidCredentials) as unknown:
        await world.log_in("nobody@example.com", PASSWORD)
    with pytest.raises(InvalidCredentials) as wrong:
        await world.log_in("ANN@example.com", "wrong password")

    assert unknown.value.message == wrong.value.message
    assert unknown.value.code == "invalid_credentials"
    assert (world.hasher.burned, world.hasher.verified) == (1, 1)  # the same hashing work on both paths
    for email in ("nobody@example.com", "ann@example.com"):
        assert world.tables.throttle[login_throttle.throttle_key(email_key(email))].failures == 1
    assert world.tables.sessions == {}


async def test_after_five_failures_even_the_right_password_is_refused_without_hashing() -> None:
    world = AccountsWorld()
    await world.owner("ann@example.com")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await world.log_in("ann@example.com", "wrong password")
    checks = world.hasher.verified

    with pytest.raises(TooManyAttempts) as locked:
        await world.log_in("ann@example.com", PASSWORD)

    assert locked.value.retry_after == 60
    assert world.hasher.verified == checks
    world.clock.advance(60)
    assert (await world.log_in("ann@example.com", PASSWORD)).user.email == "ann@example.com"
    assert world.tables.throttle == {}  # a success clears the email's failures


async def test_a_login_rehashes_a_password_hashed_with_old_parameters() -> None:
    world = AccountsWorld()
    user = await world.owner()
    assert world.tables.users[user.id].password_hash.startswith("fake$1$")
    world.hasher.version = 2

    await world.log_in(user.email, PASSWORD)

    assert world.tables.users[user.id].password_hash.startswith("fake$2$")
    assert (await world.log_in(user.email, PASSWORD)).user.id == user.id


async def test_refresh_rotates_and_restarts_the_idle_expiry() -> None:
    world = AccountsWorld()
    first = await world.logged_in()
    world.clock.advance(86400)

    second = await world.refresh(first.refresh_token)

    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert world.tables.refresh_tokens[world.refresh_tokens.hash(first.refresh_token)].spent_at == int(
        world.clock.now()
    )
    session = world.tables.sessions[second.session_id]
    assert session.expires_at == int(world.clock.now()) + sessions.IDLE_TTL
    assert (await world.refresh(second.refresh_token)).session_id == first.session_id


@pytest.mark.parametrize("later", [0, 5, 10])
async def test_a_spent_token_within_ten_seconds_gets_the_same_pair(later: int) -> None:
    world = AccountsWorld()
    first = await world.logged_in()
    second = await world.refresh(first.refresh_token)
    world.clock.advance(later)

    again = await world.refresh(first.refresh_token)

    assert (again.access_token, again.refresh_token) == (second.access_token, second.refresh_token)
    assert len(world.tables.refresh_tokens) == 2  # nothing new issued


async def test_a_spent_token_after_the_window_revokes_the_whole_family() -> None:
    world = AccountsWorld()
    first = await world.logged_in()
    second = await world.refresh(first.refresh_token)
    third = await world.refresh(second.refresh_token)
    world.clock.advance(11)

    with pytest.raises(RefreshTokenReused):
        await world.refresh(first.refresh_token)

    session = world.tables.sessions[first.session_id]
    assert session.revoked_reason is RevokedReason.REFRESH_TOKEN_REUSED
    with pytest.raises(RefreshTokenInvalid):
        await world.refresh(third.refresh_token)
    with pytest.raises(AccessTokenInvalid):
        await world.session_check(third.access_token)


async def test_a_session_ends_thirty_days_after_its_last_refresh() -> None:
    world = AccountsWorld()
    first = await world.logged_in()
    world.clock.advance(sessions.IDLE_TTL)

    with pytest.raises(RefreshTokenInvalid):
        await world.refresh(first.refresh_token)
    # the failed refresh did not spend the token
    assert world.tables.refresh_tokens[world.refresh_tokens.hash(first.refresh_token)].spent_at is None


async def test_unknown_refresh_tokens_are_invalid() -> None:
    world = AccountsWorld()
    with pytest.raises(RefreshTokenInvalid):
        await world.refresh("mpr_" + "A" * 43)


async def test_the_session_check_refuses_revoked_expired_and_mismatched_tokens() -> None:
    world = AccountsWorld()
    issued = await world.logged_in()
    principal = await world.session_check(issued.access_token)
    assert (principal.user_id, principal.session_id) == (issued.user.id, issued.session_id)
    claims = world.signer.verify(issued.access_token, world.clock.now())
    assert claims is not None
    forged = world.signer.sign(
        AccessClaims(
            jti="x", sub=claims.sub, sid=claims.sid, mer="acct_other", role=claims.role, iat=claims.iat, exp=claims.exp
        )
    )

    with pytest.raises(AccessTokenInvalid):
        await world.session_check(forged)
    world.clock.advance(3600)
    with pytest.raises(AccessTokenInvalid):
        await world.session_check(issued.access_token)  # expired
    fresh = await world.refresh(issued.refresh_token)
    await world.log_out(fresh.merchant.id, fresh.user.id, fresh.session_id, RevokedReason.LOGOUT)
    with pytest.raises(AccessTokenInvalid):
        await world.session_check(fresh.access_token)  # revoked: at once, though unexpired


async def test_authenticate_gives_a_session_the_secret_keys_rights_in_the_chosen_environment() -> None:
    world = AccountsWorld()
    issued = await world.logged_in()

    default = await world.authenticate(issued.access_token)
    live = await world.authenticate(issued.access_token, Environment.PRODUCTION)

    assert default.tenant.environment is Environment.SANDBOX
    assert live.tenant.environment is Environment.PRODUCTION
    assert live.key_type is KeyType.SECRET
    assert live.role is Role.OWNER
    assert live.user_id == issued.user.id
    assert live.tenant.merchant_id == issued.merchant.id
    with pytest.raises(AuthenticationFailed) as malformed_key:
        await world.authenticate("sk_test_short")
    assert malformed_key.value.code == "api_key_invalid"


async def test_changing_the_password_ends_the_other_sessions_only() -> None:
    world = AccountsWorld()
    current = await world.logged_in()
    other = await world.log_in(current.user.email, PASSWORD)

    ended = await world.change_password(
        current.merchant.id, current.user.id, current.session_id, PASSWORD, "the new passphrase"
    )

    assert ended == 1
    assert world.tables.sessions[other.session_id].revoked_reason is RevokedReason.PASSWORD_CHANGED
    assert world.tables.sessions[current.session_id].revoked_at is None
    with pytest.raises(InvalidCredentials):
        await world.log_in(current.user.email, PASSWORD)
    assert (await world.log_in(current.user.email, "the new passphrase")).user.id == current.user.id


async def test_a_wrong_current_password_changes_nothing() -> None:
    world = AccountsWorld()
    current = await world.logged_in()
    before = dict(world.tables.users)

    with pytest.raises(InvalidCredentials):
        await world.change_password(current.merchant.id, current.user.id, current.session_id, "nope nope!", "x" * 12)

    assert world.tables.users == before


async def test_sessions_list_only_the_users_live_ones() -> None:
    world = AccountsWorld()
    one = await world.logged_in()
    two = await world.log_in(one.user.email, PASSWORD)
    await world.log_out(one.merchant.id, one.user.id, one.session_id, RevokedReason.LOGOUT)

    live = await world.list_sessions(one.merchant.id, one.user.id)

    assert [s.id for s in live] == [two.session_id]
    assert not await world.log_out(one.merchant.id, "usr_someone_else", two.session_id, RevokedReason.REVOKED)
