"""Merchants and their API keys: creation, authentication and rolling."""

from __future__ import annotations

from typing import Any

import msgspec

from micropay.domain.errors import AuthenticationFailed, InvalidParameter
from micropay.domain.model import api_keys
from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.ids import API_KEY_PREFIX, MERCHANT_PREFIX
from micropay.domain.model.merchant import Merchant
from micropay.domain.model.redaction import redacted_fields, redacted_repr
from micropay.domain.model.users import Role
from micropay.domain.use_cases.sessions import AuthenticateSession
from micropay.ports.clock import Clock
from micropay.ports.id_generator import IdGenerator
from micropay.ports.tenant_directory import TenantDirectory
from micropay.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is calling: the tenant their key acts on, and what kind of key it is.

    A dashboard session acts as the environment's secret key (``key_type`` secret, ``key_id`` the session's
    id) and also names its user, role and session; for API keys those three are None.
    """

    tenant: Tenant
    key_type: KeyType
    key_id: str
    user_id: str | None = None
    role: Role | None = None
    session_id: str | None = None


class IssuedKey(msgspec.Struct, frozen=True, kw_only=True):
    key: ApiKey
    raw: str  # shown once, never stored

    @property
    def something_was_done(self) -> bool:
        """A key was issued: its one answer must be kept for the Idempotency-Key's retries."""
        return True

    def __repr__(self) -> str:
        return redacted_repr(self, ("raw",))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("raw",))


class EnvironmentKeys(msgspec.Struct, frozen=True, kw_only=True):
    secret: str
    publishable: str

    def __repr__(self) -> str:
        return redacted_repr(self, ("secret", "publishable"))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("secret", "publishable"))


class MerchantCreated(msgspec.Struct, frozen=True, kw_only=True):
    merchant_id: str
    keys: dict[str, EnvironmentKeys]


async def _issue(uow: UnitOfWork, ids: IdGenerator, kind: KeyType, now: int) -> IssuedKey:
    raw = api_keys.format_key(kind, uow.tenant.environment, ids.new_secret(api_keys.KEY_BODY_LENGTH))
    key = ApiKey(
        id=ids.new_id(API_KEY_PREFIX),
        merchant_id=uow.tenant.merchant_id,
        environment=uow.tenant.environment,
        type=kind,
        key_hash=api_keys.hash_key(raw),
        display_prefix=api_keys.display_prefix(raw),
        created=now,
    )
    await uow.api_keys.add(key)
    return IssuedKey(key=key, raw=raw)


class Authenticate:
    """Resolve a bearer credential to its principal, or ``AuthenticationFailed`` (401).

    An API key must have the contract's shape, be known by its hash, agree with its stored environment and
    type, and be neither expired nor revoked. The lookup is one indexed query by hash, the same work for
    every key, and no error says which check failed.

    Anything that is not shaped like an API key is an access token when sessions are wired in: it acts on
    ``environment`` (sandbox when None) with the rights of that environment's secret key, and its session
    is checked on every call (``AuthenticateSession``).
    """

    def __init__(self, directory: TenantDirectory, clock: Clock, sessions: AuthenticateSession | None = None) -> None:
        self._directory = directory
        self._clock = clock
        self._sessions = sessions

    async def __call__(self, raw_key: str, environment: Environment | None = None) -> Principal:
        parsed = api_keys.parse_key(raw_key)
        if parsed is None:
            if self._sessions is None or api_keys.looks_like_key(raw_key):
                raise AuthenticationFailed
            session = await self._sessions(raw_key)
            return Principal(
                tenant=Tenant(merchant_id=session.merchant_id, environment=environment or Environment.SANDBOX),
                key_type=KeyType.SECRET,
                key_id=session.session_id,
                user_id=session.user_id,
                role=session.role,
                session_id=session.session_id,
            )
        key = await self._directory.find_api_key(api_keys.hash_key(raw_key))
        if (
            key is None
            or key.environment is not parsed.environment
            or key.type is not parsed.type
            or not key.is_active(self._clock.now())
        ):
            raise AuthenticationFailed
        return Principal(
            tenant=Tenant(merchant_id=key.merchant_id, environment=key.environment), key_type=key.type, key_id=key.id
        )


class CreateMerchant:
    """Create a merchant with a secret and a publishable key for each environment (shown once)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, name: str, email: str | None = None) -> MerchantCreated:
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
            raise InvalidParameter("name", "name must be 1 to 200 characters.")
        if email is not None and (len(email) > 254 or "@" not in email):
            raise InvalidParameter("email", "email must be an email address.")
        now = int(self._clock.now())
        merchant = Merchant(id=self._ids.new_id(MERCHANT_PREFIX), name=name.strip(), email=email, created=now)
        keys: dict[str, EnvironmentKeys] = {}
        for environment in Environment:
            async with self._uow(Tenant(merchant_id=merchant.id, environment=environment)) as uow:
                if environment is Environment.SANDBOX:
                    await uow.merchants.add(merchant)
                secret = await _issue(uow, self._ids, KeyType.SECRET, now)
                publishable = await _issue(uow, self._ids, KeyType.PUBLISHABLE, now)
                await uow.commit()
            keys[environment.value] = EnvironmentKeys(secret=secret.raw, publishable=publishable.raw)
        return MerchantCreated(merchant_id=merchant.id, keys=keys)


class RollApiKey:
    """Issue a new key of a type and retire the current ones of that type.

    Without ``expires_in`` the old keys stop working at once; with it they keep working for that many
    seconds (at most 7 days), never longer than they already would have.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, tenant: Tenant, key_type: object, expires_in: object = None) -> IssuedKey:
        if key_type is None:
            raise InvalidParameter("type", "Missing required param: type.", "parameter_missing")
        try:
            kind = KeyType(str(key_type)) if key_type is not None else None
        except ValueError:
            kind = None
        if kind is None:
            raise InvalidParameter("type", "type must be 'secret' or 'publishable'.")
        now = int(self._clock.now())
        retire_at = api_keys.roll_expiry(expires_in, now)
        async with self._uow(tenant) as uow:
            for old in await uow.api_keys.active(kind, now):
                await uow.api_keys.set_expiry(old.id, min(retire_at, old.expires_at or retire_at))
            issued = await _issue(uow, self._ids, kind, now)
            await uow.commit()
        return issued
