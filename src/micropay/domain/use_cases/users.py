"""Merchant users: creating (CLI, owners, sign-up), listing and deleting them (contract §10)."""

from __future__ import annotations

from micropay.domain.auth_errors import EmailTaken, SignupClosed
from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model import users
from micropay.domain.model.merchant import Merchant
from micropay.domain.model.sessions import RevokedReason
from micropay.domain.model.users import Role, User
from micropay.domain.use_cases._accounts import SessionIssued, SignupPolicy, read_merchant
from micropay.domain.use_cases.api_keys import CreateMerchant
from micropay.domain.use_cases.sessions import StartSession
from micropay.ports.account_directory import AccountDirectory
from micropay.ports.account_unit_of_work import AccountUnitOfWorkFactory
from micropay.ports.clock import Clock
from micropay.ports.id_generator import IdGenerator
from micropay.ports.password_hasher import PasswordHasher
from micropay.ports.unit_of_work import UnitOfWorkFactory


class CreateUser:
    """Add a user to an existing merchant.

    Rules: the email is an address, unique across every merchant compared case-insensitively
    (``EmailTaken``); the password is 10-256 characters and only its Argon2id hash is kept; the role is
    ``owner`` or ``developer``; an unknown merchant is ``ResourceMissing``.
    """

    def __init__(
        self,
        accounts: AccountUnitOfWorkFactory,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._accounts = accounts
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._ids = ids

    async def __call__(self, merchant_id: str, email: object, password: object, role: object) -> User:
        address = users.validate_email(email)
        secret = users.validate_password(password)
        kind = users.parse_role(role)
        await read_merchant(self._uow, merchant_id)
        user = User(
            id=self._ids.new_id(users.USER_PREFIX),
            merchant_id=merchant_id,
            email=address,
            email_key=users.email_key(address),
            role=kind,
            password_hash=await self._hasher.hash(secret),
            created=int(self._clock.now()),
        )
        async with self._accounts(merchant_id) as uow:
            await uow.users.add(user)
            await uow.commit()
        return user


class ListUsers:
    def __init__(self, accounts: AccountUnitOfWorkFactory) -> None:
        self._accounts = accounts

    async def __call__(self, merchant_id: str) -> list[User]:
        async with self._accounts(merchant_id) as uow:
            return await uow.users.list()


class DeleteUser:
    """Remove a user and end its sessions. The merchant's last owner cannot be removed."""

    def __init__(self, accounts: AccountUnitOfWorkFactory, clock: Clock) -> None:
        self._accounts = accounts
        self._clock = clock

    async def __call__(self, merchant_id: str, user_id: str) -> User:
        now = int(self._clock.now())
        async with self._accounts(merchant_id) as uow:
            everyone = await uow.users.list()
            user = next((u for u in everyone if u.id == user_id), None)
            if user is None:
                raise ResourceMissing("user", user_id)
            owners = [u for u in everyone if u.role is Role.OWNER]
            if user.role is Role.OWNER and len(owners) == 1:
                raise InvalidParameter("id", "The merchant's last owner cannot be removed.", "last_owner")
            await uow.sessions.revoke_user_sessions(user_id, now, RevokedReason.USER_DELETED)
            await uow.users.delete(user_id)
            await uow.commit()
        return user


class SignUp:
    """``POST /v1/auth/signup``: a new merchant with its keys and an owner user, logged in at once.

    Only when sign-up is open (``SignupClosed`` otherwise). Email and password follow ``CreateUser``'s
    rules, checked before anything is created.
    """

    def __init__(
        self,
        policy: SignupPolicy,
        directory: AccountDirectory,
        create_merchant: CreateMerchant,
        create_user: CreateUser,
        start: StartSession,
    ) -> None:
        self._policy = policy
        self._directory = directory
        self._create_merchant = create_merchant
        self._create_user = create_user
        self._start = start

    async def __call__(
        self, email: object, password: object, business_name: object, user_agent: str | None = None
    ) -> SessionIssued:
        if not self._policy.open:
            raise SignupClosed
        address = users.validate_email(email)
        users.validate_password(password)
        name = users.validate_business_name(business_name)
        if await self._directory.user_by_email(users.email_key(address)) is not None:
            raise EmailTaken
        created = await self._create_merchant(name, address)
        user = await self._create_user(created.merchant_id, address, password, Role.OWNER)
        return await self._start(user, user_agent)


class WhoAmI:
    """``GET /v1/me``: the merchant, and the user when the caller is a session."""

    def __init__(self, accounts: AccountUnitOfWorkFactory, uow: UnitOfWorkFactory) -> None:
        self._accounts = accounts
        self._uow = uow

    async def __call__(self, merchant_id: str, user_id: str | None) -> tuple[Merchant, User | None]:
        merchant = await read_merchant(self._uow, merchant_id)
        if user_id is None:
            return merchant, None
        async with self._accounts(merchant_id) as uow:
            return merchant, await uow.users.get(user_id)
