"""Small properties of intents and environments the HTTP layer relies on."""

from __future__ import annotations

import msgspec
import pytest

from micropay.domain.model.environment import Environment
from micropay.domain.model.intent import CANCELABLE, CONFIRMABLE, TERMINAL, IntentStatus
from tests.unit.domain import builders as b


@pytest.mark.parametrize(
    ("status", "terminal"),
    [
        (IntentStatus.REQUIRES_PAYMENT_METHOD, False),
        (IntentStatus.PROCESSING, False),
        (IntentStatus.FAILED, False),
        (IntentStatus.SUCCEEDED, True),
        (IntentStatus.CANCELED, True),
    ],
)
def test_only_succeeded_and_canceled_are_terminal(status: IntentStatus, terminal: bool) -> None:
    assert (status in TERMINAL) is terminal


def test_confirm_and_cancel_are_allowed_from_the_same_statuses() -> None:
    assert CONFIRMABLE == CANCELABLE == {IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.FAILED}


@pytest.mark.parametrize(
    ("environment", "livemode", "infix"), [(Environment.SANDBOX, False, "test"), (Environment.PRODUCTION, True, "live")]
)
def test_environments(environment: Environment, livemode: bool, infix: str) -> None:
    assert (environment.livemode, environment.key_infix) == (livemode, infix)
    intent = msgspec.structs.replace(b.created(), environment=environment)
    assert intent.livemode is livemode


def test_checkout_request_id_comes_from_the_mpesa_details() -> None:
    assert b.created().checkout_request_id is None
    assert b.processing().checkout_request_id is None
    assert b.accepted(checkout="ws_CO_7").checkout_request_id == "ws_CO_7"
