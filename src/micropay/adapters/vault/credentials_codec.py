"""Seal and open a merchant's Daraja credentials with any ``CredentialVault`` (contract §5 wire format).

The plaintext is the JSON object of the credential fields, as msgspec encodes ``DarajaCredentials``
(``transaction_type`` as its string value, ``party_b`` null when absent); the associated data binds it to
``"{merchant_id}:{environment}"``.
"""

from __future__ import annotations

from typing import Final

import msgspec

from micropay.domain.model.credentials import DarajaCredentials, associated_data
from micropay.domain.model.environment import Environment
from micropay.ports.credential_vault import CredentialVault, Sealed, VaultError

_ENCODER: Final = msgspec.json.Encoder()
_DECODER: Final = msgspec.json.Decoder(DarajaCredentials)


def seal_credentials(
    vault: CredentialVault, creds: DarajaCredentials, merchant_id: str, environment: Environment
) -> Sealed:
    return vault.seal(_ENCODER.encode(creds), associated_data(merchant_id, environment))


def open_credentials(
    vault: CredentialVault, sealed: Sealed, merchant_id: str, environment: Environment
) -> DarajaCredentials:
    """Raises ``VaultError`` when the blob does not open or does not hold credentials."""
    plaintext = vault.open(sealed, associated_data(merchant_id, environment))
    try:
        return _DECODER.decode(plaintext)
    except msgspec.DecodeError:
        # msgspec's message may quote part of the document, which is secret: say only what failed.
        raise VaultError("The sealed blob opened but does not hold Daraja credentials.") from None
