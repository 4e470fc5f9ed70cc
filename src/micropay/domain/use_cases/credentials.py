from __future__ import annotations

from typing import Any

import msgspec

from micropay.domain.errors import CredentialsMissing, ResourceMissing
from micropay.domain.model.credentials import (
    CredentialsView,
    DarajaCredentials,
    associated_data,
    validate_credentials,
    view_of,
)
from micropay.domain.model.environment import Environment, Tenant
from micropay.ports.clock import Clock
from micropay.ports.credential_repository import StoredCredentials
from micropay.ports.credential_vault import CredentialVault, Sealed, VaultError
from micropay.ports.tenant_directory import TenantDirectory
from micropay.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(DarajaCredentials)


def seal_credentials(
    vault: CredentialVault, credentials: DarajaCredentials, merchant_id: str, environment: Environment
) -> Sealed:
    """Contract §5's format: the JSON object of the credential fields, bound to ``"{merchant}:{env}"``."""
    return vault.seal(_ENCODER.encode(credentials), associated_data(merchant_id, environment))


def open_credentials(
    vault: CredentialVault, sealed: Sealed, merchant_id: str, environment: Environment
) -> DarajaCredentials:
    """Raises ``VaultError`` when the blob does not open or does not hold credentials."""
    plaintext = vault.open(sealed, associated_data(merchant_id, environment))
    try:
        return _DECODER.decode(plaintext)
    except (msgspec.DecodeError, msgspec.ValidationError):
        # msgspec's message may quote part of the document, which is secret: say only what failed.
        raise VaultError("The sealed blob opened but does not hold Daraja credentials.") from None


def seal(vault: CredentialVault, tenant: Tenant, credentials: DarajaCredentials, now: int) -> StoredCredentials:
    return StoredCredentials(
        sealed=seal_credentials(vault, credentials, tenant.merchant_id, tenant.environment),
        view=view_of(credentials, tenant.environment, now),
    )


def unseal(vault: CredentialVault, tenant: Tenant, stored: StoredCredentials) -> DarajaCredentials:
    return open_credentials(vault, stored.sealed, tenant.merchant_id, tenant.environment)


class CredentialResolver:
    """Which Daraja credentials a tenant's calls use.

    The merchant's own, if stored for the environment; otherwise, on sandbox only, the server's default
    sandbox credentials (when configured); otherwise ``CredentialsMissing``. Decrypted credentials are
    returned to the caller and never kept.
    """

    def __init__(self, vault: CredentialVault, default_sandbox: DarajaCredentials | None) -> None:
        self._vault = vault
        self._default_sandbox = default_sandbox

    async def resolve(self, uow: UnitOfWork) -> DarajaCredentials:
        stored = await uow.credentials.get()
        if stored is not None:
            return unseal(self._vault, uow.tenant, stored)
        if uow.tenant.environment is Environment.SANDBOX and self._default_sandbox is not None:
            return self._default_sandbox
        raise CredentialsMissing(
            f"No M-Pesa credentials are set for {uow.tenant.environment.value}: "
            "PUT /v1/mpesa_credentials with your Daraja app's keys first."
        )


class SetCredentials:
    """Store (or replace) the tenant's Daraja credentials, sealed with the vault; returns the masked view.

    Rules: shortcode 5-7 digits; passkey, consumer key and secret non-empty; transaction type
    ``CustomerPayBillOnline`` or ``CustomerBuyGoodsOnline``; ``party_b`` (the till) required for buy-goods.
    """

    def __init__(self, uow: UnitOfWorkFactory, vault: CredentialVault, clock: Clock) -> None:
        self._uow = uow
        self._vault = vault
        self._clock = clock

    async def __call__(self, tenant: Tenant, payload: dict[str, Any]) -> CredentialsView:
        credentials = validate_credentials(
            consumer_key=payload.get("consumer_key"),
            consumer_secret=payload.get("consumer_secret"),
            business_short_code=payload.get("business_short_code"),
            passkey=payload.get("passkey"),
            transaction_type=payload.get("transaction_type"),
            party_b=payload.get("party_b"),
        )
        stored = seal(self._vault, tenant, credentials, int(self._clock.now()))
        async with self._uow(tenant) as uow:
            await uow.credentials.put(stored)
            await uow.commit()
        return stored.view


class GetCredentials:
    """The masked view of the tenant's credentials; ``ResourceMissing`` when none are set."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant: Tenant) -> CredentialsView:
        async with self._uow(tenant) as uow:
            stored = await uow.credentials.get()
        if stored is None:
            raise ResourceMissing("mpesa_credentials", tenant.environment.value, param="environment")
        return stored.view


class DeleteCredentials:
    """Remove the tenant's credentials and return the view of what was removed."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant: Tenant) -> CredentialsView:
        async with self._uow(tenant) as uow:
            stored = await uow.credentials.get()
            if stored is None or not await uow.credentials.delete():
                raise ResourceMissing("mpesa_credentials", tenant.environment.value, param="environment")
            await uow.commit()
        return stored.view


class RotateVaultKeys:
    """Re-encrypt every stored credential under the vault's current master key.

    Row by row, each in its own transaction, with a compare-and-swap on the old key id: resumable after an
    interruption (rows already done are skipped), and never overwriting a merchant's concurrent update.
    The vault holds old and new keys throughout, so every credential stays readable at every moment.
    """

    def __init__(self, uow: UnitOfWorkFactory, directory: TenantDirectory, vault: CredentialVault) -> None:
        self._uow = uow
        self._directory = directory
        self._vault = vault

    async def __call__(self) -> int:
        rotated = 0
        for tenant in await self._directory.credential_tenants(not_key_id=self._vault.current_key_id):
            async with self._uow(tenant) as uow:
                stored = await uow.credentials.get()
                if stored is None or not self._vault.needs_rotation(stored.sealed):
                    continue
                aad = associated_data(tenant.merchant_id, tenant.environment)
                resealed = self._vault.seal(self._vault.open(stored.sealed, aad), aad)
                if await uow.credentials.reseal(stored.sealed.key_id, resealed):
                    await uow.commit()
                    rotated += 1
        return rotated
