"""The fakes of the outside world: vault, callback tokens, Daraja gateway and callback parser."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
import pytest

from micropay.domain.model.credentials import DarajaCredentials, TransactionType
from micropay.domain.model.environment import Environment
from micropay.domain.model.intent import PaymentError
from micropay.domain.model.push import PushAccepted, PushAnswerLost, PushNotSent, PushRejected
from micropay.ports.callback_parser import MalformedCallback
from micropay.ports.credential_vault import VaultError
from micropay.ports.daraja_gateway import (
    ProviderConfigurationError,
    ProviderUnavailable,
    QueryFinal,
    QueryPending,
    StkPushRequest,
)
from tests.fakes import (
    Accept,
    FakeCallbackParser,
    FakeCallbackTokens,
    FakeDarajaGateway,
    FakeVault,
    final,
    pending,
    rejected,
)

CREDS = DarajaCredentials(
    consumer_key="ck",
    consumer_secret="cs",
    business_short_code="174379",
    passkey="pk",
    transaction_type=TransactionType.PAYBILL,
)


def test_the_vault_round_trips_and_binds_the_associated_data() -> None:
    vault = FakeVault()
    sealed = vault.seal(b"the secret", b"acct_1:sandbox")
    assert b"the secret" not in sealed.encrypted_blob.encode()
    assert vault.open(sealed, b"acct_1:sandbox") == b"the secret"
    assert vault.seal(b"the secret", b"acct_1:sandbox") != sealed  # a fresh nonce each time
    with pytest.raises(VaultError):
        vault.open(sealed, b"acct_2:sandbox")
    with pytest.raises(VaultError):
        vault.open(
            msgspec.structs.replace(sealed, encrypted_blob="AAAA" + sealed.encrypted_blob[4:]), b"acct_1:sandbox"
        )
    with pytest.raises(VaultError):
        vault.open(msgspec.structs.replace(sealed, encrypted_blob="***"), b"acct_1:sandbox")


def test_the_vault_rotates_keys() -> None:
    vault = FakeVault(current_key_id="k1")
    old = vault.seal(b"s", b"ad")
    vault.rotate_to("k2")
    assert vault.current_key_id == "k2"
    assert vault.needs_rotation(old)
    assert vault.open(old, b"ad") == b"s"
    new = vault.seal(b"s", b"ad")
    assert (new.key_id, vault.needs_rotation(new)) == ("k2", False)
    vault.forget("k1")
    with pytest.raises(VaultError):
        vault.open(old, b"ad")


def test_callback_tokens_are_numbered_hashed_and_routed_to_the_test_url() -> None:
    tokens = FakeCallbackTokens()
    first, second = tokens.issue(), tokens.issue()
    assert first.token != second.token
    assert first.hint != second.hint
    assert first.hint == first.token[:6]
    assert len(first.token) >= 22
    assert first.token_hash == hashlib.sha256(first.token.encode()).hexdigest() == tokens.hash(first.token)
    assert first.callback_url == f"http://test/webhooks/mpesa/{first.token}"
    assert tokens.issued == [first, second]


def _push(phone: str = "254712345678") -> StkPushRequest:
    return StkPushRequest(
        environment=Environment.SANDBOX,
        amount_shillings=10,
        phone_number=phone,
        account_reference="REF",
        transaction_desc="Payment REF",
        callback_url="http://test/webhooks/mpesa/000001cbtokxxxxxxxxxxxxxxxxxxxxx",
    )


async def test_the_gateway_accepts_by_default_and_records_redacted_pushes() -> None:
    gateway = FakeDarajaGateway()
    accepted = await gateway.stk_push(CREDS, _push())
    again = await gateway.stk_push(CREDS, _push())
    assert isinstance(accepted, PushAccepted)
    assert isinstance(again, PushAccepted)
    assert accepted.exchange is not None
    assert accepted.checkout_request_id != again.checkout_request_id
    assert gateway.accepted[accepted.checkout_request_id] == _push()
    assert [p.outcome for p in gateway.pushes] == [accepted, again]
    request = accepted.exchange.request
    assert request["PhoneNumber"] == "254712345678"
    assert "cbtokxxxx" not in request["CallBackURL"]
    assert "Password" not in request


async def test_the_gateway_follows_phone_scripts_then_the_queue() -> None:
    gateway = FakeDarajaGateway()
    refused = rejected("Invalid phone", error_code="invalid_phone_number", provider_code="400.002.02")
    assert refused == PushRejected(
        error=PaymentError(code="invalid_phone_number", message="Invalid phone", mpesa_result_code="400.002.02")
    )
    gateway.script_phone("254700000001", refused)
    down, lost = PushNotSent(reason="down"), PushAnswerLost(reason="lost")
    gateway.queue_push(down, lost, Accept(checkout_request_id="ws_CO_fixed"))
    for _ in range(2):
        assert await gateway.stk_push(CREDS, _push("254700000001")) == refused
    assert await gateway.stk_push(CREDS, _push()) == down
    assert await gateway.stk_push(CREDS, _push()) == lost
    fixed = await gateway.stk_push(CREDS, _push())
    assert isinstance(fixed, PushAccepted)
    assert fixed.checkout_request_id == "ws_CO_fixed"
    assert [type(p.outcome).__name__ for p in gateway.pushes][:4] == [
        "PushRejected",
        "PushRejected",
        "PushNotSent",
        "PushAnswerLost",
    ]
    assert list(gateway.accepted) == ["ws_CO_fixed"]  # only accepted pushes have a checkout id
    gateway.unavailable = True
    assert isinstance(await gateway.stk_push(CREDS, _push()), PushNotSent)
    with pytest.raises(ProviderUnavailable):
        await gateway.stk_query(CREDS, Environment.SANDBOX, "ws_CO_fixed")


async def test_the_gateway_answers_queries_as_scripted() -> None:
    gateway = FakeDarajaGateway()
    assert isinstance(await gateway.stk_query(CREDS, Environment.SANDBOX, "ws_1"), QueryPending)
    gateway.script_query("ws_1", pending(), final("ws_1", "1032"))
    gateway.queue_query(ProviderConfigurationError("bad credentials"))
    assert isinstance(await gateway.stk_query(CREDS, Environment.SANDBOX, "ws_1"), QueryPending)
    for _ in range(2):  # the last scripted answer repeats
        answer = await gateway.stk_query(CREDS, Environment.SANDBOX, "ws_1")
        assert isinstance(answer, QueryFinal)
        assert (answer.result.result_code, answer.result.checkout_request_id) == ("1032", "ws_1")
    with pytest.raises(ProviderConfigurationError):
        await gateway.stk_query(CREDS, Environment.SANDBOX, "ws_2")
    assert [q.checkout_request_id for q in gateway.queries] == ["ws_1", "ws_1", "ws_1", "ws_1", "ws_2"]


def _callback(**stk: Any) -> dict[str, Any]:
    return {"Body": {"stkCallback": {"MerchantRequestID": "mr", "CheckoutRequestID": "ws_CO_1", **stk}}}


def test_the_parser_reads_a_success_callback() -> None:
    items = [
        {"Name": "Amount", "Value": 1.00},
        {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
        {"Name": "Balance"},
        {"Name": "TransactionDate", "Value": 20191219102115},
        {"Name": "PhoneNumber", "Value": 254708374149},
    ]
    result = FakeCallbackParser().parse(_callback(ResultCode=0, ResultDesc="ok", CallbackMetadata={"Item": items}))
    assert (result.result_code, result.amount, result.receipt_number) == ("0", 100, "NLJ7RT61SV")
    assert (result.phone_number, result.checkout_request_id, result.merchant_request_id) == (
        "254708374149",
        "ws_CO_1",
        "mr",
    )
    assert result.transaction_date == 1576740075  # 2019-12-19 10:21:15 in Nairobi (UTC+3)


def test_the_parser_reads_failures_and_string_codes() -> None:
    assert FakeCallbackParser().parse(_callback(ResultCode="1032")).result_code == "1032"
    assert FakeCallbackParser().parse(_callback(ResultCode="SFC_IC0003")).result_code == "SFC_IC0003"
    assert FakeCallbackParser().parse(_callback(ResultCode=1037)).amount is None


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {},
        {"Body": {}},
        {"Body": {"stkCallback": {"CheckoutRequestID": "ws"}}},
        {"Body": {"stkCallback": {"ResultCode": 0}}},
        _callback(ResultCode=True),
        _callback(ResultCode=0, CallbackMetadata="nope"),
        _callback(ResultCode=0, CallbackMetadata={"Item": [{"Name": "Amount", "Value": "lots"}]}),
        {"Body": {"stkCallback": {"ResultCode": 0, "CheckoutRequestID": 5}}},
    ],
)
def test_the_parser_refuses_anything_else(body: Any) -> None:
    with pytest.raises(MalformedCallback):
        FakeCallbackParser().parse(body)
