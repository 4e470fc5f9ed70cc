"""Structs that carry a secret never show it in repr, str or rich's pretty printing."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from micropay.domain.model.api_keys import ApiKey, KeyType
from micropay.domain.model.environment import Environment
from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.domain.use_cases.api_keys import EnvironmentKeys, IssuedKey, MerchantCreated
from micropay.domain.use_cases.create_intent import CreatedIntent
from micropay.entrypoints.http.schemas import ConfirmIntentBody, CredentialsBody
from micropay.ports.callback_tokens import IssuedToken
from micropay.ports.daraja_gateway import StkPushRequest

SECRET = "Zq7Lw2Nf8Hx3SECRET"

INTENT = PaymentIntent(
    id="pi_1",
    merchant_id="acct_1",
    environment=Environment.SANDBOX,
    amount=100,
    currency="kes",
    status=IntentStatus.REQUIRES_PAYMENT_METHOD,
    phone_number=None,
    account_reference="A1",
    description=None,
    metadata={},
    secret_hash="0" * 64,
    created=1,
    updated=1,
)
KEY = ApiKey(
    id="key_1",
    merchant_id="acct_1",
    environment=Environment.SANDBOX,
    type=KeyType.SECRET,
    key_hash="0" * 64,
    display_prefix="sk_test_Zq7L",
    created=1,
)

CARRIERS: list[msgspec.Struct] = [
    IssuedToken(token=SECRET, token_hash="h", hint="Zq7Lw2", callback_url=f"http://x/webhooks/mpesa/{SECRET}"),
    StkPushRequest(
        environment=Environment.SANDBOX,
        amount_shillings=1,
        phone_number="254708374149",
        account_reference="A1",
        transaction_desc="Pay",
        callback_url=f"http://x/webhooks/mpesa/{SECRET}",
    ),
    IssuedKey(key=KEY, raw=f"sk_test_{SECRET}"),
    MerchantCreated(merchant_id="acct_1", keys={"sandbox": EnvironmentKeys(secret=SECRET, publishable=SECRET)}),
    CreatedIntent(intent=INTENT, client_secret=f"pi_1_secret_{SECRET}"),
    CredentialsBody(
        consumer_key=SECRET,
        consumer_secret=SECRET,
        business_short_code="174379",
        passkey=SECRET,
        transaction_type="CustomerPayBillOnline",
    ),
    ConfirmIntentBody(client_secret=SECRET),
]


@pytest.mark.parametrize("carrier", CARRIERS, ids=lambda c: type(c).__name__)
def test_no_secret_in_repr_str_or_rich(carrier: Any) -> None:
    assert SECRET not in repr(carrier)
    assert SECRET not in str(carrier)
    assert SECRET not in repr(list(carrier.__rich_repr__()))
