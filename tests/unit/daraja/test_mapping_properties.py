"""Property tests of the Daraja response mapping (mapping.py) and the wire helpers (wire.py).

Over generated answers in the shapes of docs/daraja-reference §2, §3 and §6 (``ResponseCode`` and
``ResultCode`` as numbers or strings, ``expires_in`` as ``3599`` or ``"3599"``, error envelopes with odd-typed
fields, non-JSON bodies, extra keys), each rule holds for every answer:

- ``push_outcome`` never raises: every answer is one of the verdicts, and only an accepted answer with a
  CheckoutRequestID is ``PushAccepted``; a gateway timeout without an envelope is "answer lost", never "not sent";
- ``query_outcome`` raises only ``ProviderUnavailable`` / ``ProviderConfigurationError``; 4999 in any shape
  and every ``500.001.1001`` other than the merchant-setup messages are pending; other codes are final, normalised;
- ``token_from`` reads ``expires_in`` the same as a number or a numeric string;
- Nairobi timestamps round-trip, and the STK password is Base64 of the plain concatenation.

The tests leave ``max_examples`` to the profile (``--hypothesis-profile=thorough``, docs/testing.md).
"""

from __future__ import annotations

import base64
import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from micropay.adapters.daraja import mapping, wire
from micropay.adapters.daraja.mapping import DarajaAnswer
from micropay.domain.model import result_codes
from micropay.domain.model.push import PushAccepted, PushAnswerLost, PushMisconfigured, PushNotSent, PushRejected
from micropay.ports.daraja_gateway import (
    Exchange,
    ProviderConfigurationError,
    ProviderUnavailable,
    QueryFinal,
    QueryPending,
)

EXCHANGE = Exchange(request={"Password": "[REDACTED]"})
VERDICTS = (PushAccepted, PushAnswerLost, PushMisconfigured, PushNotSent, PushRejected)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
statuses = st.sampled_from([200, 201, 204, 400, 401, 403, 404, 405, 429, 500, 502, 503, 504]) | st.integers(100, 599)
error_codes = st.sampled_from(
    ["400.002.02", "404.001.03", "404.001.01", "405.001", "500.001.1001", "500.003.02", "500.003.03", "500.003.1001"]
)
error_messages = st.sampled_from(
    [
        "Bad Request - Invalid BusinessShortCode",
        "Bad Request - Invalid PhoneNumber",
        "Bad Request - Invalid PartyA",
        "Bad Request - Invalid Amount",
        "Invalid Access Token",
        "Merchant does not exist",
        "[MerchantValidate] - Wrong credentials",
        "Unable to lock subscriber, a transaction is already in process for the current subscriber",
        "The transaction is being processed",
        "The transaction does not Exist",
        "System is busy. Please try again in few minutes.",
        "Quota Violation",
    ]
) | st.text(max_size=30)


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"errorCode": draw(error_codes), "errorMessage": draw(error_messages)}
    if draw(st.booleans()):
        body["requestId"] = draw(st.text(max_size=20) | st.integers())
    if draw(st.booleans()):
        body["extra"] = draw(json_values)
    return body


def zero_shapes() -> st.SearchStrategy[Any]:
    return st.sampled_from(["0", 0, " 0 ", "0 ", "\t0"])


@st.composite
def accepted_bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {
        "MerchantRequestID": draw(st.text(min_size=1, max_size=20)),
        "CheckoutRequestID": "ws_CO_" + draw(st.text(alphabet=string.digits, min_size=1, max_size=24)),
        "ResponseCode": draw(zero_shapes()),
        "ResponseDescription": "Success. Request accepted for processing",
        "CustomerMessage": "Success. Request accepted for processing",
    }
    if draw(st.booleans()):
        body["Unexpected"] = draw(json_values)
    return body


answers = st.builds(DarajaAnswer, status=statuses, body=json_values | envelopes() | accepted_bodies())


# --- STK push ----------------------------------------------------------------------------------------------


@settings(deadline=None)
@given(answers)
def test_every_push_answer_is_a_verdict_and_nothing_raises(answer: DarajaAnswer) -> None:
    verdict = mapping.push_outcome(answer, EXCHANGE)

    assert isinstance(verdict, VERDICTS)
    if isinstance(verdict, PushAccepted):
        assert 200 <= answer.status < 300
        assert isinstance(answer.body, dict)
        assert verdict.checkout_request_id == answer.body["CheckoutRequestID"]
        assert str(answer.body["ResponseCode"]).strip() == "0"


@settings(deadline=None)
@given(st.integers(200, 299), accepted_bodies())
def test_an_accepted_answer_in_any_shape_is_accepted_with_its_ids(status: int, body: dict[str, Any]) -> None:
    verdict = mapping.push_outcome(DarajaAnswer(status=status, body=body), EXCHANGE)

    assert verdict == PushAccepted(
        checkout_request_id=body["CheckoutRequestID"], merchant_request_id=body["MerchantRequestID"], exchange=EXCHANGE
    )


@settings(deadline=None)
@given(st.integers(200, 299), accepted_bodies(), st.sampled_from([None, "", 5, ["ws_CO_1"]]))
def test_accepted_without_a_usable_checkout_id_is_answer_lost(status: int, body: dict[str, Any], checkout: Any) -> None:
    """It may have been accepted: never "not sent", which would let the push go out twice."""
    if checkout is None:
        del body["CheckoutRequestID"]
    else:
        body["CheckoutRequestID"] = checkout

    assert isinstance(mapping.push_outcome(DarajaAnswer(status=status, body=body), EXCHANGE), PushAnswerLost)


@settings(deadline=None)
@given(st.integers(200, 299), json_values.filter(lambda b: not isinstance(b, dict)))
def test_an_unreadable_2xx_answer_is_answer_lost(status: int, body: Any) -> None:
    assert isinstance(mapping.push_outcome(DarajaAnswer(status=status, body=body), EXCHANGE), PushAnswerLost)


@settings(deadline=None)
@given(st.sampled_from([None, "<html>504 Gateway Time-out</html>", "", {"message": "timeout"}]))
def test_a_gateway_timeout_without_an_envelope_is_answer_lost(body: Any) -> None:
    assert isinstance(mapping.push_outcome(DarajaAnswer(status=504, body=body), EXCHANGE), PushAnswerLost)


@settings(deadline=None)
@given(
    st.sampled_from(
        ["Bad Request - Invalid PhoneNumber", "Bad Request - Invalid PartyA", "bad request - invalid phonenumber"]
    ),
    st.integers(400, 599),
)
def test_an_invalid_phone_number_is_the_customers_rejection(message: str, status: int) -> None:
    body = {"requestId": "1", "errorCode": "400.002.02", "errorMessage": message}

    verdict = mapping.push_outcome(DarajaAnswer(status=status, body=body), EXCHANGE)

    assert isinstance(verdict, PushRejected)
    assert verdict.error.code == "phone_number_invalid"
    assert verdict.error.message == "M-Pesa refused the customer's phone number."
    assert verdict.error.mpesa_result_code == "400.002.02"


@settings(deadline=None)
@given(st.integers(400, 599), st.sampled_from(["", "[STK] "]))
def test_a_locked_subscriber_is_the_customers_rejection(status: int, prefix: str) -> None:
    message = prefix + "Unable to lock subscriber, a transaction is already in process for the current subscriber"
    body = {"errorCode": "500.001.1001", "errorMessage": message}

    verdict = mapping.push_outcome(DarajaAnswer(status=status, body=body), EXCHANGE)

    assert isinstance(verdict, PushRejected)
    assert verdict.error.code == "customer_busy"
    assert verdict.error.message == "The customer is busy with another M-Pesa transaction; try again in a minute."
    assert verdict.error.mpesa_result_code == "500.001.1001"


# --- STK push query ----------------------------------------------------------------------------------------


def result_code_shapes(code: int) -> st.SearchStrategy[Any]:
    return st.sampled_from([code, str(code), float(code), f" {code} "])


@settings(deadline=None)
@given(st.builds(DarajaAnswer, status=statuses, body=json_values | envelopes()))
def test_a_query_answer_is_pending_final_or_one_of_two_errors(answer: DarajaAnswer) -> None:
    try:
        outcome = mapping.query_outcome(answer, EXCHANGE)
    except (ProviderUnavailable, ProviderConfigurationError):
        return
    assert isinstance(outcome, QueryPending | QueryFinal)
    if isinstance(outcome, QueryFinal):
        assert 200 <= answer.status < 300
        assert outcome.result.result_code != result_codes.STILL_PROCESSING


@settings(deadline=None)
@given(st.integers(200, 299), st.data())
def test_still_processing_in_any_shape_is_pending(status: int, data: st.DataObject) -> None:
    body = {"ResponseCode": "0", "ResultCode": data.draw(result_code_shapes(4999)), "ResultDesc": "still processing"}

    assert isinstance(mapping.query_outcome(DarajaAnswer(status=status, body=body), EXCHANGE), QueryPending)


@settings(deadline=None)
@given(
    st.integers(0, 10**6).filter(lambda c: c != 4999) | st.sampled_from([0, 1032, 1037, 1]),
    st.data(),
)
def test_numerically_equal_final_codes_give_equal_results(code: int, data: st.DataObject) -> None:
    checkout = data.draw(st.none() | st.text(min_size=1, max_size=12))
    body = {"ResultCode": data.draw(result_code_shapes(code)), "ResultDesc": "d", "CheckoutRequestID": checkout}
    other = {**body, "ResultCode": data.draw(result_code_shapes(code)), "Extra": data.draw(json_values)}

    first = mapping.query_outcome(DarajaAnswer(status=200, body=body), EXCHANGE)
    second = mapping.query_outcome(DarajaAnswer(status=200, body=other), EXCHANGE)

    assert isinstance(first, QueryFinal)
    assert first == second
    assert first.result.result_code == str(code)
    assert first.result.checkout_request_id == checkout
    assert result_codes.error_code_for(first.result.result_code) in {
        "provider_declined",
        *(
            result_codes.error_code_for(c)
            for c in ("1", "2", "17", "1019", "1025", "1032", "1037", "2001", "2028", "8006")
        ),
    }


@settings(deadline=None)
@given(st.sampled_from([500, 503, 400]), st.text(max_size=40))
def test_merchant_validation_on_the_query_is_pending_unless_it_names_the_setup(status: int, message: str) -> None:
    body = {"requestId": "ws_CO_1", "errorCode": "500.001.1001", "errorMessage": message}
    setup = "wrong credentials" in message.lower() or "merchant does not exist" in message.lower()
    try:
        outcome = mapping.query_outcome(DarajaAnswer(status=status, body=body), EXCHANGE)
    except ProviderConfigurationError:
        assert setup
        return
    assert not setup
    assert isinstance(outcome, QueryPending)


@settings(deadline=None)
@given(st.sampled_from([True, False, 1.5, "", "  ", [0], {"c": 0}]))
def test_an_unreadable_result_code_is_unavailable_not_a_verdict(raw: Any) -> None:
    raised = None
    try:
        mapping.query_outcome(DarajaAnswer(status=200, body={"ResultCode": raw}), EXCHANGE)
    except ProviderUnavailable as exc:
        raised = exc
    assert raised is not None


# --- OAuth and the envelope ---------------------------------------------------------------------------------


@settings(deadline=None)
@given(st.integers(1, 10**6), st.sampled_from(["int", "str", "padded"]), st.text(min_size=1, max_size=40))
def test_expires_in_reads_the_same_as_a_number_or_a_string(seconds: int, shape: str, token: str) -> None:
    raw: Any = {"int": seconds, "str": str(seconds), "padded": f" {seconds} "}[shape]
    answer = DarajaAnswer(status=200, body={"access_token": token, "expires_in": raw})

    assert mapping.token_from(answer, EXCHANGE) == (token, seconds)


@settings(deadline=None)
@given(st.builds(DarajaAnswer, status=statuses, body=json_values | envelopes()))
def test_an_oauth_answer_is_a_token_or_one_of_two_errors(answer: DarajaAnswer) -> None:
    try:
        token, expires_in = mapping.token_from(answer, EXCHANGE)
    except (ProviderUnavailable, ProviderConfigurationError):
        return
    assert isinstance(token, str)
    assert token
    assert isinstance(expires_in, int)


@settings(deadline=None)
@given(json_values | envelopes())
def test_the_error_envelope_reads_any_body(body: Any) -> None:
    envelope = mapping.error_envelope(body)
    if envelope is None:
        assert not isinstance(body, dict) or ("errorCode" not in body and "errorMessage" not in body)
    else:
        assert len(envelope.error_message) <= 200


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_to_json_or_text(content: bytes) -> None:
    decoded = mapping.decode_body(content)
    if not content:
        assert decoded is None


# --- wire --------------------------------------------------------------------------------------------------


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=4_102_444_799))  # 1970 .. 2099
def test_nairobi_timestamps_round_trip(now: int) -> None:
    text = wire.nairobi_timestamp(now)

    assert len(text) == 14
    assert text.isdigit()
    assert wire.parse_nairobi_timestamp(text) == now


@settings(deadline=None)
@given(
    st.text(alphabet=string.digits, min_size=5, max_size=7),
    st.text(alphabet=string.hexdigits, min_size=1, max_size=64),
    st.integers(min_value=0, max_value=4_102_444_799),
)
def test_the_stk_password_is_base64_of_the_concatenation(shortcode: str, passkey: str, now: int) -> None:
    timestamp = wire.nairobi_timestamp(now)

    decoded = base64.b64decode(wire.stk_password(shortcode, passkey, timestamp), validate=True).decode()

    assert decoded == shortcode + passkey + timestamp
