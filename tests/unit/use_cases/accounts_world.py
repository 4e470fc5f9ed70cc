"""The session and user use cases wired on fakes (with the real token signer and refresh-token issuer)."""

from __future__ import annotations

from micropay.adapters.security import HmacRefreshTokenIssuer, PyJwtAccessTokenSigner
from micropay.domain.model.users import User
from micropay.domain.use_cases._accounts import SessionIssued, SignupPolicy
from micropay.domain.use_cases.api_keys import Authenticate
from micropay.domain.use_cases.sessions import (
    AuthenticateSession,
    ChangePassword,
    CheckPassword,
    ListSessions,
    LogIn,
    LogOut,
    Refresh,
    StartSession,
)
from micropay.domain.use_cases.users import CreateUser, DeleteUser, ListUsers, SignUp
from tests.fakes.accounts import (
    AccountTables,
    FakeAccountDirectory,
    FakeAccountUnitOfWorkFactory,
    FakeLoginThrottle,
    FakePasswordHasher,
)
from tests.unit.use_cases.world import World

SECRET = b"unit-test-secret-of-at-least-32-bytes!"
PASSWORD = "correct horse battery staple"


class AccountsWorld(World):
    def __init__(self, *, signup_open: bool = True) -> None:
        super().__init__()
        self.tables = AccountTables()
        self.accounts = FakeAccountUnitOfWorkFactory(self.tables)
        self.account_directory = FakeAccountDirectory(self.tables)
        self.throttle = FakeLoginThrottle(self.tables)
        self.hasher = FakePasswordHasher()
        self.signer = PyJwtAccessTokenSigner(SECRET)
        self.refresh_tokens = HmacRefreshTokenIssuer(SECRET)
        self.check = CheckPassword(self.account_directory, self.throttle, self.hasher, self.accounts, self.clock)
        self.start = StartSession(self.accounts, self.uow, self.signer, self.refresh_tokens, self.clock, self.ids)
        self.log_in = LogIn(self.check, self.start)
        self.refresh = Refresh(
            self.account_directory, self.accounts, self.uow, self.signer, self.refresh_tokens, self.clock
        )
        self.session_check = AuthenticateSession(self.signer, self.account_directory, self.clock)
        self.authenticate = Authenticate(self.directory, self.clock, self.session_check)
        self.log_out = LogOut(self.accounts, self.clock)
        self.list_sessions = ListSessions(self.accounts, self.clock)
        self.change_password = ChangePassword(self.check, self.hasher, self.accounts, self.clock)
        self.create_user = CreateUser(self.accounts, self.uow, self.hasher, self.clock, self.ids)
        self.list_users = ListUsers(self.accounts)
        self.delete_user = DeleteUser(self.accounts, self.clock)
        self.sign_up = SignUp(
            SignupPolicy(open=signup_open), self.account_directory, self.create_merchant, self.create_user, self.start
        )

    async def owner(self, email: str = "owner@example.com") -> User:
        created = await self.create_merchant("Duka", None)
        return await self.create_user(created.merchant_id, email, PASSWORD, "owner")

    async def logged_in(self, email: str = "owner@example.com") -> SessionIssued:
        await self.owner(email)
        return await self.log_in(email, PASSWORD)
