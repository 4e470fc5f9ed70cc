"""The composition of users and dashboard sessions (contract §10), added to the container's providers."""

from __future__ import annotations

from pathlib import Path

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from micropay.adapters.persistence.account_directory import SqlaAccountDirectory
from micropay.adapters.persistence.account_unit_of_work import SqlaAccountUnitOfWorkFactory
from micropay.adapters.persistence.login_throttle import SqlaLoginThrottle
from micropay.adapters.security import (
    Argon2PasswordHasher,
    HmacRefreshTokenIssuer,
    JwtSecretMissing,
    PyJwtAccessTokenSigner,
    load_jwt_secret,
)
from micropay.domain.use_cases._accounts import SignupPolicy
from micropay.domain.use_cases.api_key_listing import ListApiKeys
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
from micropay.domain.use_cases.users import CreateUser, DeleteUser, ListUsers, SignUp, WhoAmI
from micropay.entrypoints.settings import LOCAL_KEY_FILE, Settings, SettingsError
from micropay.ports.access_tokens import AccessTokenSigner
from micropay.ports.account_directory import AccountDirectory
from micropay.ports.account_unit_of_work import AccountUnitOfWorkFactory
from micropay.ports.clock import Clock
from micropay.ports.login_throttle import LoginThrottle
from micropay.ports.password_hasher import PasswordHasher
from micropay.ports.refresh_tokens import RefreshTokenIssuer
from micropay.ports.tenant_directory import TenantDirectory


class TokenSecret(bytes):
    """The access-token secret's bytes (a type of its own, so dishka can tell it apart)."""


def build_token_secret(settings: Settings) -> TokenSecret:
    """MICROPAY_JWT_SECRET, else (embedded only) ``jwt.key`` beside the vault key file."""
    key_dir = Path(settings.vault_key_file or LOCAL_KEY_FILE).parent
    try:
        return TokenSecret(load_jwt_secret(settings.jwt_secret, embedded=settings.is_embedded, key_dir=key_dir))
    except JwtSecretMissing as exc:
        raise SettingsError(str(exc)) from None


class AccountsProvider(Provider):
    """APP scope: the account adapters and the secret; REQUEST scope: the use cases."""

    @provide(scope=Scope.APP)
    def secret(self, settings: Settings) -> TokenSecret:
        return build_token_secret(settings)

    @provide(scope=Scope.APP)
    def signer(self, secret: TokenSecret) -> AccessTokenSigner:
        return PyJwtAccessTokenSigner(bytes(secret))

    @provide(scope=Scope.APP)
    def refresh_tokens(self, secret: TokenSecret) -> RefreshTokenIssuer:
        return HmacRefreshTokenIssuer(bytes(secret))

    @provide(scope=Scope.APP)
    def hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    @provide(scope=Scope.APP)
    def accounts(self, engine: AsyncEngine) -> AccountUnitOfWorkFactory:
        return SqlaAccountUnitOfWorkFactory(engine)

    @provide(scope=Scope.APP)
    def account_directory(self, engine: AsyncEngine) -> AccountDirectory:
        return SqlaAccountDirectory(engine)

    @provide(scope=Scope.APP)
    def throttle(self, engine: AsyncEngine) -> LoginThrottle:
        return SqlaLoginThrottle(engine)

    @provide(scope=Scope.APP)
    def signup_policy(self, settings: Settings) -> SignupPolicy:
        return SignupPolicy(open=settings.signup == "open")

    session_check = provide(AuthenticateSession, scope=Scope.APP)

    @provide(scope=Scope.APP, override=True)
    def authenticate(
        self, directory: TenantDirectory, clock: Clock, settings: Settings, accounts: AccountDirectory
    ) -> Authenticate:
        """API keys, and access tokens when there is a token secret. Without one (Postgres and no
        MICROPAY_JWT_SECRET) an embedding service still authenticates API keys; the HTTP app refuses to
        start instead (``create_app``'s start-up check)."""
        try:
            secret = build_token_secret(settings)
        except SettingsError:
            return Authenticate(directory, clock)
        return Authenticate(directory, clock, AuthenticateSession(PyJwtAccessTokenSigner(secret), accounts, clock))

    check_password = provide(CheckPassword, scope=Scope.REQUEST)
    start_session = provide(StartSession, scope=Scope.REQUEST)
    log_in = provide(LogIn, scope=Scope.REQUEST)
    refresh = provide(Refresh, scope=Scope.REQUEST)
    log_out = provide(LogOut, scope=Scope.REQUEST)
    list_sessions = provide(ListSessions, scope=Scope.REQUEST)
    change_password = provide(ChangePassword, scope=Scope.REQUEST)
    create_user = provide(CreateUser, scope=Scope.REQUEST)
    list_users = provide(ListUsers, scope=Scope.REQUEST)
    delete_user = provide(DeleteUser, scope=Scope.REQUEST)
    sign_up = provide(SignUp, scope=Scope.REQUEST)
    whoami = provide(WhoAmI, scope=Scope.REQUEST)
    list_api_keys = provide(ListApiKeys, scope=Scope.REQUEST)
