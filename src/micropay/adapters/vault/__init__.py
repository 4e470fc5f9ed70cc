"""The credential vault: AES-256-GCM sealing of merchant secrets, master keys and their configuration."""

from micropay.adapters.vault.aes_gcm_vault import AesGcmVault
from micropay.adapters.vault.errors import VaultKeyFileUnsafe, VaultKeyInvalid
from micropay.adapters.vault.key_file import DEFAULT_KEY_FILE, ensure_local_key_file
from micropay.adapters.vault.keys import MasterKey, MasterKeys, derive_key_id, load_master_keys, parse_key

__all__ = [
    "DEFAULT_KEY_FILE",
    "AesGcmVault",
    "MasterKey",
    "MasterKeys",
    "VaultKeyFileUnsafe",
    "VaultKeyInvalid",
    "derive_key_id",
    "ensure_local_key_file",
    "load_master_keys",
    "parse_key",
]
