from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from micropay.domain.model.credentials import DarajaCredentials, TransactionType, associated_data
from micropay.domain.model.environment import Environment
from micropay.domain.use_cases.credentials import open_credentials, seal_credentials
from micropay.ports.credential_vault import VaultError

from .strategies import SAMPLE, SAMPLE_MERCHANT, credentials, environments, merchant_ids, new_key, vault_with


@settings(deadline=None)
@given(creds=credentials(), merchant_id=merchant_ids, environment=environments)
def test_any_credentials_round_trip(creds: DarajaCredentials, merchant_id: str, environment: Environment) -> None:
    vault = vault_with(new_key())
    sealed = seal_credentials(vault, creds, merchant_id, environment)
    assert open_credentials(vault, sealed, merchant_id, environment) == creds


@settings(deadline=None)
@given(creds=credentials(), merchant_id=merchant_ids, environment=environments)
def test_the_plaintext_is_the_json_object_of_the_credential_fields(
    creds: DarajaCredentials, merchant_id: str, environment: Environment
) -> None:
    vault = vault_with(new_key())
    sealed = seal_credentials(vault, creds, merchant_id, environment)
    document = json.loads(vault.open(sealed, associated_data(merchant_id, environment)).decode("utf-8"))
    assert document == {
        "consumer_key": creds.consumer_key,
        "consumer_secret": creds.consumer_secret,
        "business_short_code": creds.business_short_code,
        "passkey": creds.passkey,
        "transaction_type": creds.transaction_type.value,
        "party_b": creds.party_b,
    }


@pytest.mark.parametrize(
    ("merchant_id", "environment"),
    [
        ("acct_0002ZzZzZzZzZzZzZzZzZzZz", Environment.SANDBOX),
        (SAMPLE_MERCHANT, Environment.PRODUCTION),
        ("acct_0002ZzZzZzZzZzZzZzZzZzZz", Environment.PRODUCTION),
    ],
)
def test_a_blob_moved_to_another_merchant_or_environment_fails(merchant_id: str, environment: Environment) -> None:
    vault = vault_with(new_key())
    sealed = seal_credentials(vault, SAMPLE, SAMPLE_MERCHANT, Environment.SANDBOX)
    with pytest.raises(VaultError, match="another merchant or environment"):
        open_credentials(vault, sealed, merchant_id, environment)


def test_buy_goods_credentials_keep_their_till() -> None:
    vault = vault_with(new_key())
    creds = DarajaCredentials(
        consumer_key="ck",
        consumer_secret="cs",
        business_short_code="600000",
        passkey="pk",
        transaction_type=TransactionType.BUY_GOODS,
        party_b="5566778",
    )
    opened = open_credentials(
        vault,
        seal_credentials(vault, creds, SAMPLE_MERCHANT, Environment.PRODUCTION),
        SAMPLE_MERCHANT,
        Environment.PRODUCTION,
    )
    assert opened.transaction_type is TransactionType.BUY_GOODS
    assert opened.receiving_party == "5566778"


def test_a_blob_without_party_b_opens_with_party_b_none() -> None:
    vault = vault_with(new_key())
    document = {
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "business_short_code": "174379",
        "passkey": "pk",
        "transaction_type": "CustomerPayBillOnline",
    }
    sealed = vault.seal(json.dumps(document).encode(), associated_data(SAMPLE_MERCHANT, Environment.SANDBOX))
    assert open_credentials(vault, sealed, SAMPLE_MERCHANT, Environment.SANDBOX).party_b is None


@pytest.mark.parametrize(
    "plaintext",
    [
        b'{"consumer_secret": "leaky-secret-value"}',
        b'{"consumer_key": 1, "consumer_secret": "leaky-secret-value", "business_short_code": "174379",'
        b' "passkey": "p", "transaction_type": "CustomerPayBillOnline"}',
        b'{"consumer_key": "k", "consumer_secret": "s", "business_short_code": "174379",'
        b' "passkey": "leaky-secret-value", "transaction_type": "Nope"}',
        b"leaky-secret-value",
    ],
)
def test_a_blob_that_does_not_hold_credentials_fails_without_quoting_it(plaintext: bytes) -> None:
    vault = vault_with(new_key())
    sealed = vault.seal(plaintext, associated_data(SAMPLE_MERCHANT, Environment.SANDBOX))
    with pytest.raises(VaultError, match="does not hold Daraja credentials") as caught:
        open_credentials(vault, sealed, SAMPLE_MERCHANT, Environment.SANDBOX)
    assert "leaky" not in str(caught.value)
    assert caught.value.__suppress_context__
