"""Users, sessions, refresh tokens and the login throttle on SQLite and Postgres; their isolation on Postgres."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence import Persistence, build_persistence, create_engine
from micropay.adapters.persistence.account_directory import SqlaAccountDirectory
from micropay.adapters.persistence.account_unit_of_work import SqlaAccountUnitOfWorkFactory
from micropay.adapters.persistence.login_throttle import SqlaLoginThrottle
from micropay.domain.auth_errors import EmailTaken
from micropay.domain.model import sessions
from micropay.domain.model.sessions import RefreshToken, RevokedReason, Session
from micropay.domain.model.users import Role, User, email_key
from tests import pg
from tests.integration.persistence.builders import NOW, new_id, new_tenant, seed_merchant

ACCOUNT_TABLES = ("micropay_users", "micropay_sessions", "micropay_refresh_tokens")


def _user(merchant_id: str, email: str, role: Role = Role.OWNER) -> User:
    return User(
        id=new_id("usr"),
        merchant_id=merchant_id,
        email=email,
        email_key=email_key(email),
        role=role,
        password_hash="$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        created=NOW,
    )


async def _merchant(persistence: Persistence) -> str:
    tenant = new_tenant()
    await seed_merchant(persistence.uow_factory, tenant)
    return tenant.merchant_id


async def _seed_account(engine: AsyncEngine, merchant_id: str) -> tuple[User, Session, RefreshToken]:
    accounts = SqlaAccountUnitOfWorkFactory(engine)
    user = _user(merchant_id, f"{secrets.token_hex(4)}@Example.com")
    session = sessions.new_session(session_id=new_id("ses"), merchant_id=merchant_id, user_id=user.id, now=NOW)
    token = RefreshToken(token_hash=secrets.token_hex(32), session_id=session.id, merchant_id=merchant_id, created=NOW)
    async with accounts(merchant_id) as uow:
        await uow.users.add(user)
        await uow.sessions.add(session)
        await uow.sessions.add_refresh_token(token)
        await uow.commit()
    return user, session, token


async def test_emails_are_unique_across_merchants_whatever_their_case(
    engine: AsyncEngine, persistence: Persistence
) -> None:
    a, b = await _merchant(persistence), await _merchant(persistence)
    accounts = SqlaAccountUnitOfWorkFactory(engine)
    email = f"{secrets.token_hex(4)}@example.com"
    async with accounts(a) as uow:
        await uow.users.add(_user(a, email))
        await uow.commit()

    async def add_again() -> None:
        async with accounts(b) as uow:
            await uow.users.add(_user(b, email.upper()))
            await uow.commit()

    with pytest.raises(EmailTaken):
        await add_again()

    async with accounts(b) as uow:
        assert await uow.users.list() == []


async def test_the_directory_finds_users_tokens_and_sessions_and_the_repositories_write_them(
    engine: AsyncEngine, persistence: Persistence
) -> None:
    merchant_id = await _merchant(persistence)
    user, session, token = await _seed_account(engine, merchant_id)
    directory = SqlaAccountDirectory(engine)
    accounts = SqlaAccountUnitOfWorkFactory(engine)

    assert await directory.user_by_email(user.email_key) == user
    assert await directory.refresh_token(token.token_hash) == token
    assert await directory.session(session.id) == session
    assert await directory.user_by_email("nobody@example.com") is None

    async with accounts(merchant_id) as uow:
        assert await uow.sessions.spend_refresh_token(token.token_hash, NOW + 5)
        assert not await uow.sessions.spend_refresh_token(token.token_hash, NOW + 6)
        await uow.sessions.mark_refreshed(session.id, NOW + 5, NOW + 5 + sessions.IDLE_TTL)
        await uow.users.set_password_hash(user.id, "$argon2id$new")
        await uow.commit()
    async with accounts(merchant_id) as uow:
        other = sessions.new_session(session_id=new_id("ses"), merchant_id=merchant_id, user_id=user.id, now=NOW + 7)
        await uow.sessions.add(other)
        assert (
            await uow.sessions.revoke_user_sessions(user.id, NOW + 8, RevokedReason.PASSWORD_CHANGED, keep=other.id)
            == 1
        )
        await uow.sessions.revoke(other.id, NOW + 9, RevokedReason.LOGOUT)
        await uow.sessions.revoke(other.id, NOW + 10, RevokedReason.REVOKED)  # the first reason stays
        await uow.commit()

    stored = await directory.session(session.id)
    assert stored is not None
    assert (stored.refreshed, stored.revoked_reason) == (NOW + 5, RevokedReason.PASSWORD_CHANGED)
    assert (await directory.refresh_token(token.token_hash)).spent_at == NOW + 5  # type: ignore[union-attr]
    assert (await directory.user_by_email(user.email_key)).password_hash == "$argon2id$new"  # type: ignore[union-attr]
    async with accounts(merchant_id) as uow:
        [newest, oldest] = await uow.sessions.of_user(user.id)
        assert (newest.revoked_reason, oldest.id) == (RevokedReason.LOGOUT, session.id)
        assert await uow.users.delete(user.id)
        await uow.commit()
    assert await directory.session(session.id) is None  # sessions and tokens go with their user
    assert await directory.refresh_token(token.token_hash) is None


async def test_of_two_concurrent_refreshes_exactly_one_spends_the_token(
    engine: AsyncEngine, persistence: Persistence
) -> None:
    merchant_id = await _merchant(persistence)
    _, _, token = await _seed_account(engine, merchant_id)
    accounts = SqlaAccountUnitOfWorkFactory(engine)

    async def spend() -> bool:
        async with accounts(merchant_id) as uow:
            won = await uow.sessions.spend_refresh_token(token.token_hash, NOW + 1)
            await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
            await uow.commit()
            return won

    assert sorted(await asyncio.gather(spend(), spend(), spend())) == [False, False, True]


async def test_concurrent_failures_for_one_email_are_all_counted(engine: AsyncEngine) -> None:
    throttle = SqlaLoginThrottle(engine)
    key = secrets.token_hex(32)

    await asyncio.gather(*(throttle.record_failure(key, NOW + n / 10) for n in range(8)))

    state = await throttle.state(key)
    assert state is not None
    assert state.failures == 8
    assert len(state.recent) == 5
    assert state.locked_until > NOW
    await throttle.clear(key)
    assert await throttle.state(key) is None


@pytest.fixture
async def app_connection(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(pg._dsn(postgres_url))
    await connection.execute("SET ROLE micropay_app")
    yield connection
    await connection.close()


async def test_postgres_confines_users_sessions_and_tokens_to_their_merchant(
    postgres_url: str, app_connection: asyncpg.Connection
) -> None:
    engine = create_engine(postgres_url)
    try:
        persistence = build_persistence(engine)
        a, b = await _merchant(persistence), await _merchant(persistence)
        user_a, session_a, token_a = await _seed_account(engine, a)
        user_b, _, _ = await _seed_account(engine, b)
    finally:
        await engine.dispose()

    for table in ACCOUNT_TABLES:  # no merchant set: nothing at all
        assert await app_connection.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    async with app_connection.transaction():
        await app_connection.execute("SELECT set_config('micropay.merchant_id', $1, true)", a)
        for table in ACCOUNT_TABLES:
            owners = await app_connection.fetch(f"SELECT DISTINCT merchant_id FROM {table}")
            assert [row["merchant_id"] for row in owners] == [a], table
        changed = await app_connection.execute("UPDATE micropay_users SET role = 'developer' WHERE id = $1", user_b.id)
        assert changed == "UPDATE 0"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # WITH CHECK: no row for another merchant
            await app_connection.execute(
                "INSERT INTO micropay_sessions (id, merchant_id, user_id, created, refreshed, expires_at)"
                " VALUES ($1, $2, $3, 0, 0, 1)",
                new_id("ses"),
                b,
                user_b.id,
            )
    # the lookups made before the merchant is known: only by exact key, through the directory functions
    found = await app_connection.fetchrow("SELECT * FROM micropay_find_user_by_email($1)", user_a.email_key)
    assert found is not None
    assert found["merchant_id"] == a
    assert (await app_connection.fetchrow("SELECT * FROM micropay_find_session($1)", session_a.id))[
        "id"
    ] == session_a.id
    token = await app_connection.fetchrow("SELECT * FROM micropay_find_refresh_token($1)", token_a.token_hash)
    assert token["session_id"] == session_a.id
