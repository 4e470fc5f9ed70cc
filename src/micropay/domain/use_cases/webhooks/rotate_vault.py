"""Re-sealing webhook signing secrets under the vault's current master key (``micropay vault rotate``)."""

from __future__ import annotations

import msgspec

from micropay.domain.model.webhooks import MAX_ENDPOINTS, associated_data
from micropay.ports.credential_vault import CredentialVault
from micropay.ports.webhook_secret_directory import WebhookSecretDirectory
from micropay.ports.webhook_unit_of_work import WebhookUnitOfWorkFactory


class RotateWebhookSecrets:
    """Every webhook secret not under the current master key is opened and sealed again under it.

    Tenant by tenant, endpoint by endpoint, each endpoint row locked while it is rewritten (no concurrent
    rotate_secret is lost); resumable (what is done is skipped next time). The vault holds the old keys
    throughout, so every secret keeps signing at every moment. Returns how many secrets were re-sealed.
    """

    def __init__(
        self, uow: WebhookUnitOfWorkFactory, directory: WebhookSecretDirectory, vault: CredentialVault
    ) -> None:
        self._uow = uow
        self._directory = directory
        self._vault = vault

    async def __call__(self) -> int:
        resealed = 0
        for tenant in await self._directory.tenants_with_secrets_not_under(self._vault.current_key_id):
            async with self._uow(tenant) as uow:
                for endpoint in await uow.webhook_endpoints.list(limit=MAX_ENDPOINTS):
                    stored = await uow.webhook_endpoints.get(endpoint.id, for_update=True)
                    if stored is None or not any(self._vault.needs_rotation(s.sealed) for s in stored.secrets):
                        continue
                    aad = associated_data(endpoint.merchant_id, endpoint.environment, endpoint.id)
                    secrets = []
                    for secret in stored.secrets:
                        if self._vault.needs_rotation(secret.sealed):
                            secret = msgspec.structs.replace(
                                secret, sealed=self._vault.seal(self._vault.open(secret.sealed, aad), aad)
                            )
                            resealed += 1
                        secrets.append(secret)
                    await uow.webhook_endpoints.put(msgspec.structs.replace(stored, secrets=tuple(secrets)))
                await uow.commit()
        return resealed
