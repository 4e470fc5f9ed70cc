"""The adapter against the simulator, for every row of the contract's phone table (api-contract §7)."""

from __future__ import annotations

import asyncio

import pytest

from micropay.adapters.daraja import DarajaCallbackParser
from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Environment
from micropay.domain.model.push import PushAccepted, PushAnswerLost, PushNotSent, PushRejected
from micropay.entrypoints.simulator import SimulatorSettings
from micropay.ports.daraja_gateway import DarajaGateway, QueryFinal, QueryPending, StkPushRequest
from tests.integration.daraja.conftest import (
    GatewayFactory,
    RunningSimulator,
    credentials,
    push_request,
    running_simulator,
)
from tests.integration.daraja.receiver import CallbackReceiver

parser = DarajaCallbackParser()
SANDBOX = Environment.SANDBOX


async def accepted_push(gateway: DarajaGateway, creds: DarajaCredentials, request: StkPushRequest) -> PushAccepted:
    verdict = await gateway.stk_push(creds, request)
    assert isinstance(verdict, PushAccepted)
    assert verdict.exchange is not None
    return verdict


async def query_until_final(gateway: DarajaGateway, checkout_request_id: str, tries: int = 100) -> QueryFinal:
    for _ in range(tries):
        answer = await gateway.stk_query(credentials(), SANDBOX, checkout_request_id)
        if isinstance(answer, QueryFinal):
            return answer
        await asyncio.sleep(0.02)
    raise AssertionError("the query never became final")


@pytest.mark.parametrize(
    ("phone", "result_code"),
    [
        ("254708374149", "0"),
        ("254722000000", "0"),  # any number not in the table pays
        ("254711000001", "1"),
        ("254711001032", "1032"),
        ("254711001037", "1037"),
        ("254711002001", "2001"),
        ("254711001019", "1019"),
    ],
)
async def test_callback_outcomes(
    simulator: RunningSimulator,
    receiver: tuple[CallbackReceiver, str],
    make_gateway: GatewayFactory,
    phone: str,
    result_code: str,
) -> None:
    recorder, receiver_url = receiver
    gateway = make_gateway(simulator.url)

    accepted = await accepted_push(gateway, credentials(), push_request(receiver_url, phone, "tok" + phone, amount=150))

    assert accepted.checkout_request_id.startswith("ws_CO_")
    assert accepted.checkout_request_id.endswith(phone[-9:])
    assert accepted.exchange.http_status == 200
    (delivery,) = await recorder.wait_for("tok" + phone)
    assert delivery.headers["content-type"] == "application/json;charset=UTF-8"
    assert delivery.headers["businessshortcode"] == "174379"
    result = parser.parse(delivery.body)
    assert result.result_code == result_code
    assert result.checkout_request_id == accepted.checkout_request_id
    assert result.merchant_request_id == accepted.merchant_request_id
    if result_code == "0":
        assert result.amount == 15000
        assert result.receipt_number is not None
        assert len(result.receipt_number) == 10
        assert result.phone_number == phone
        assert result.transaction_date is not None
    else:
        assert result.amount is None
        assert result.receipt_number is None
        assert "CallbackMetadata" not in delivery.body["Body"]["stkCallback"]
    final = await query_until_final(gateway, accepted.checkout_request_id)
    assert final.result.result_code == result_code
    assert final.result.checkout_request_id == accepted.checkout_request_id
    assert final.exchange.response["ResultCode"] == result_code  # a string on the query


async def test_duplicate_deliveries(
    simulator: RunningSimulator, receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    recorder, receiver_url = receiver
    gateway = make_gateway(simulator.url)

    accepted = await accepted_push(gateway, credentials(), push_request(receiver_url, "254711000002", "dup"))

    deliveries = await recorder.wait_for("dup", count=3)
    assert len({d.raw for d in deliveries}) == 1
    assert parser.parse(deliveries[0].body).checkout_request_id == accepted.checkout_request_id


async def test_missed_webhook_query_says_success(
    simulator: RunningSimulator, receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    recorder, receiver_url = receiver
    gateway = make_gateway(simulator.url)

    accepted = await accepted_push(gateway, credentials(), push_request(receiver_url, "254711000099", "missed"))
    final = await query_until_final(gateway, accepted.checkout_request_id)

    assert final.result.result_code == "0"
    await asyncio.sleep(0.1)  # the callback would have been due by now
    assert recorder.for_token("missed") == []
    assert simulator.state.counters.callbacks_sent == 0


async def test_never_settles_alternates_both_pending_forms(
    simulator: RunningSimulator, receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    _, receiver_url = receiver
    gateway = make_gateway(simulator.url)
    accepted = await accepted_push(gateway, credentials(), push_request(receiver_url, "254711000098", "stuck"))
    await asyncio.sleep(0.1)

    answers = [await gateway.stk_query(credentials(), SANDBOX, accepted.checkout_request_id) for _ in range(4)]

    assert all(isinstance(a, QueryPending) for a in answers)
    assert [a.exchange.http_status for a in answers] == [500, 200, 500, 200]
    assert answers[0].exchange.response["errorMessage"] == "The transaction is being processed"
    assert answers[1].exchange.response["ResultCode"] == "4999"
    assert simulator.state.counters.callbacks_sent == 0


async def test_query_before_the_callback_is_due_is_pending(
    receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    _, receiver_url = receiver
    async with running_simulator(SimulatorSettings(callback_delay_ms=60_000)) as sim:
        gateway = make_gateway(sim.url)
        accepted = await accepted_push(gateway, credentials(), push_request(receiver_url, "254708374149", "slow"))

        answer = await gateway.stk_query(credentials(), SANDBOX, accepted.checkout_request_id)

        assert isinstance(answer, QueryPending)
    # leaving the block shut the simulator down: its pending callback was cancelled, never sent
    assert sim.state.counters.callbacks_sent == 0


async def test_unknown_checkout_request_id_stays_pending(
    simulator: RunningSimulator, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(simulator.url)

    answer = await gateway.stk_query(credentials(), SANDBOX, "ws_CO_01012026000000000700000000")

    assert isinstance(answer, QueryPending)
    assert answer.exchange.http_status == 500
    assert answer.exchange.response["errorMessage"] == "The transaction does not Exist"


@pytest.mark.parametrize(
    ("phone", "error_code", "provider_code", "http_status"),
    [
        ("254711000400", "phone_number_invalid", "400.002.02", 400),
        ("254711000423", "customer_busy", "500.001.1001", 500),
    ],
)
async def test_synchronous_customer_rejections(
    simulator: RunningSimulator,
    receiver: tuple[CallbackReceiver, str],
    make_gateway: GatewayFactory,
    phone: str,
    error_code: str,
    provider_code: str,
    http_status: int,
) -> None:
    _, receiver_url = receiver
    gateway = make_gateway(simulator.url)

    refused = await gateway.stk_push(credentials(), push_request(receiver_url, phone, "rej"))

    assert isinstance(refused, PushRejected)
    assert refused.error.code == error_code
    assert refused.error.mpesa_result_code == provider_code
    assert refused.exchange is not None
    assert refused.exchange.http_status == http_status
    assert simulator.state.transactions == {}


async def test_daraja_down_is_unavailable(
    simulator: RunningSimulator, receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    _, receiver_url = receiver
    gateway = make_gateway(simulator.url)

    down = await gateway.stk_push(credentials(), push_request(receiver_url, "254711000503", "down"))

    assert isinstance(down, PushNotSent)
    assert down.exchange is not None
    assert down.exchange.http_status == 503
    assert "503 Service Unavailable" in down.exchange.response  # a non-JSON page, kept as text


async def test_lost_answer_then_the_callback_still_arrives(
    receiver: tuple[CallbackReceiver, str], make_gateway: GatewayFactory
) -> None:
    recorder, receiver_url = receiver
    async with running_simulator(SimulatorSettings(callback_delay_ms=50, hold_ms=1500)) as sim:
        gateway = make_gateway(sim.url, read_timeout=0.3)

        lost = await gateway.stk_push(credentials(), push_request(receiver_url, "254711000504", "held"))

        assert isinstance(lost, PushAnswerLost)
        assert lost.exchange is not None
        assert lost.exchange.request["PhoneNumber"] == "254711000504"
        assert lost.exchange.http_status is None
        (delivery,) = await recorder.wait_for("held")
        result = parser.parse(delivery.body)
        assert result.result_code == "0"
        assert result.amount == 15000
        final = await query_until_final(gateway, result.checkout_request_id or "")
        assert final.result.result_code == "0"
        assert sim.state.counters.stk_push_requests == 1  # never pushed twice
