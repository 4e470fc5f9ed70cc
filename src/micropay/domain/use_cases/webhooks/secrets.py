"""Sealing and opening webhook signing secrets with the vault, bound to merchant, environment and endpoint."""

from __future__ import annotations

from micropay.domain.model.webhooks import SECRET_BYTES, SigningSecret, WebhookEndpoint, associated_data
from micropay.ports.credential_vault import CredentialVault
from micropay.ports.random_source import RandomSource
from micropay.ports.webhook_endpoint_repository import SealedSecret


def new_secret(random: RandomSource) -> bytes:
    return random.token_bytes(SECRET_BYTES)


def seal_secret(
    vault: CredentialVault, endpoint: WebhookEndpoint, key: bytes, expires_at: int | None = None
) -> SealedSecret:
    aad = associated_data(endpoint.merchant_id, endpoint.environment, endpoint.id)
    return SealedSecret(sealed=vault.seal(key, aad), expires_at=expires_at)


def open_live_secrets(
    vault: CredentialVault, endpoint: WebhookEndpoint, secrets: tuple[SealedSecret, ...], now: int
) -> tuple[SigningSecret, ...]:
    """The secrets that still sign at ``now``; raises ``VaultError`` when one does not open."""
    aad = associated_data(endpoint.merchant_id, endpoint.environment, endpoint.id)
    return tuple(
        SigningSecret(key=vault.open(s.sealed, aad), expires_at=s.expires_at)
        for s in secrets
        if s.expires_at is None or s.expires_at > now
    )
