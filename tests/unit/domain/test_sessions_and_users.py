"""Sessions, refresh decisions, emails, passwords and roles as pure rules (contract §10)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micropay.domain.errors import InvalidParameter
from micropay.domain.model import sessions, users
from micropay.domain.model.environment import Environment
from micropay.domain.model.sessions import RefreshDecision, RefreshToken, RevokedReason
from micropay.domain.model.users import Permission, Role

NOW = 1_767_225_600


def _token(spent_at: int | None) -> RefreshToken:
    return RefreshToken(token_hash="h", session_id="ses_1", merchant_id="acct_1", created=NOW, spent_at=spent_at)


def test_a_session_lives_thirty_days_from_its_last_refresh() -> None:
    session = sessions.new_session(session_id="ses_1", merchant_id="acct_1", user_id="usr_1", now=NOW)

    assert session.is_live(NOW + sessions.IDLE_TTL - 1)
    assert not session.is_live(NOW + sessions.IDLE_TTL)
    later = sessions.refreshed(session, NOW + 20 * 86400)
    assert later.is_live(NOW + 49 * 86400)
    assert not later.is_live(NOW + 50 * 86400)


def test_a_revoked_session_is_dead_and_keeps_its_first_reason() -> None:
    session = sessions.new_session(session_id="ses_1", merchant_id="acct_1", user_id="usr_1", now=NOW)
    revoked = sessions.revoked(session, NOW + 1, RevokedReason.LOGOUT)

    assert not revoked.is_live(NOW + 2)
    assert sessions.revoked(revoked, NOW + 5, RevokedReason.REVOKED).revoked_reason is RevokedReason.LOGOUT


@given(st.integers(min_value=0, max_value=100))
def test_a_spent_token_replays_for_ten_seconds_then_is_a_reuse(elapsed: int) -> None:
    decision = sessions.decide_refresh(_token(NOW), NOW + elapsed)

    expected = RefreshDecision.REPLAY if elapsed <= sessions.REUSE_GRACE_SECONDS else RefreshDecision.REUSED
    assert decision is expected


def test_an_unspent_token_rotates() -> None:
    assert sessions.decide_refresh(_token(None), NOW + 10**6) is RefreshDecision.ROTATE


def test_access_claims_are_deterministic_and_last_an_hour() -> None:
    session = sessions.new_session(session_id="ses_1", merchant_id="acct_1", user_id="usr_1", now=NOW)

    one = sessions.access_claims(session, Role.OWNER, NOW, "mpr_a")
    assert one == sessions.access_claims(session, Role.OWNER, NOW, "mpr_a")
    assert one.jti != sessions.access_claims(session, Role.OWNER, NOW, "mpr_b").jti
    assert (one.sub, one.sid, one.mer, one.exp - one.iat) == ("usr_1", "ses_1", "acct_1", 3600)


@pytest.mark.parametrize("email", ["Ann@Example.com", "  ann@example.COM ", "ANN@EXAMPLE.COM"])
def test_emails_compare_case_insensitively(email: str) -> None:
    assert users.email_key(email) == "ann@example.com"


@pytest.mark.parametrize(
    "bad", ["", "ann", "@example.com", "ann@", "a b@example.com", "a\x00b@example.com", "x" * 250 + "@e.io", 42]
)
def test_malformed_emails_are_refused(bad: object) -> None:
    with pytest.raises(InvalidParameter) as caught:
        users.validate_email(bad)
    assert caught.value.param == "email"


@given(st.text(min_size=0, max_size=300))
def test_passwords_are_ten_to_256_characters(password: str) -> None:
    if 10 <= len(password) <= 256:
        assert users.validate_password(password) == password
    else:
        with pytest.raises(InvalidParameter) as caught:
            users.validate_password(password)
        assert caught.value.code == "password_invalid"


def test_a_user_repr_never_shows_the_hash() -> None:
    user = users.User(
        id="usr_1",
        merchant_id="acct_1",
        email="a@b.io",
        email_key="a@b.io",
        role=Role.OWNER,
        password_hash="$argon2id$secret",
        created=NOW,
    )
    assert "argon2id" not in repr(user)
    assert "argon2id" not in str(user)


@pytest.mark.parametrize("environment", list(Environment))
def test_what_each_role_may_do(environment: Environment) -> None:
    production = environment is Environment.PRODUCTION
    assert users.role_allows(Role.OWNER, Permission.MANAGE_USERS, environment)
    assert users.role_allows(Role.OWNER, Permission.ROLL_KEYS, environment)
    assert not users.role_allows(Role.DEVELOPER, Permission.MANAGE_USERS, environment)
    assert users.role_allows(Role.DEVELOPER, Permission.ROLL_KEYS, environment) is not production
    assert users.role_allows(None, Permission.ROLL_KEYS, environment)  # an API key: the secret key's rights
