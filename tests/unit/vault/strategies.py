"""Hypothesis strategies and sample values shared by the vault tests."""

from __future__ import annotations

import base64
import os

from hypothesis import strategies as st

from micropay.adapters.vault import AesGcmVault, MasterKey, MasterKeys
from micropay.domain.model.credentials import DarajaCredentials, TransactionType, validate_credentials
from micropay.domain.model.environment import Environment
from micropay.domain.model.ids import BASE62

# Printable text as the API accepts it: non-empty, no surrounding whitespace (any script, any symbol).
printable = st.text(min_size=1, max_size=64).map(str.strip).filter(lambda s: bool(s) and s.isprintable())
shortcodes = st.from_regex(r"[0-9]{5,7}", fullmatch=True)
merchant_ids = st.text(alphabet=BASE62, min_size=24, max_size=24).map(lambda body: f"acct_{body}")
environments = st.sampled_from(list(Environment))
key_material = st.binary(min_size=32, max_size=32)


@st.composite
def credentials(draw: st.DrawFn) -> DarajaCredentials:
    kind = draw(st.sampled_from(list(TransactionType)))
    party_b = draw(shortcodes if kind is TransactionType.BUY_GOODS else st.none() | shortcodes)
    return validate_credentials(
        consumer_key=draw(printable),
        consumer_secret=draw(printable),
        business_short_code=draw(shortcodes),
        passkey=draw(printable),
        transaction_type=kind.value,
        party_b=party_b,
    )


def new_key() -> MasterKey:
    return MasterKey(os.urandom(32))


def vault_with(current: MasterKey, *old: MasterKey) -> AesGcmVault:
    return AesGcmVault(MasterKeys(current, old))


def key_forms(key: MasterKey) -> list[str]:
    """Every textual form in which a key could leak."""
    raw = key.material
    return [
        base64.b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        raw.hex(),
        repr(raw),
    ]


SAMPLE = DarajaCredentials(
    consumer_key="CK-visible-last4-Zz9Q",
    consumer_secret="SECRET-consumer-5f1d0c7e",
    business_short_code="174379",
    passkey="PASSKEY-bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
    transaction_type=TransactionType.PAYBILL,
)
SAMPLE_MERCHANT = "acct_0001AbCdEfGhIjKlMnOpQrSt"
