"""Answers the simulator does not give, served by ``httpx.MockTransport`` to the real adapter."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from micropay.adapters.daraja import HttpxDarajaGateway, QueryBackoff
from micropay.domain.model.environment import Environment
from micropay.domain.model.push import PushAccepted, PushAnswerLost, PushMisconfigured, PushNotSent, PushVerdict
from micropay.ports.daraja_gateway import ProviderUnavailable, QueryFinal
from tests.fakes.clock import FakeClock
from tests.integration.daraja.conftest import credentials, push_request

BASE = "https://daraja.test"
ACCEPTED = {"MerchantRequestID": "m-1", "CheckoutRequestID": "ws_CO_1", "ResponseCode": "0"}
Handler = Callable[[httpx.Request], httpx.Response]


class Daraja:
    """Scripted answers: OAuth answers with ``oauth``; API calls pop ``answers`` in order."""

    def __init__(self, *answers: httpx.Response, oauth: httpx.Response | None = None) -> None:
        self.answers = list(answers)
        self.oauth = oauth or httpx.Response(200, json={"access_token": "T" * 28, "expires_in": 3599})
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/oauth/v1/generate":
            return self.oauth
        return self.answers.pop(0)

    def gateway(self, **kwargs: Any) -> HttpxDarajaGateway:
        client = httpx.AsyncClient(transport=httpx.MockTransport(self))
        kwargs.setdefault("query_backoff", QueryBackoff(attempts=3, jitter=False))
        kwargs.setdefault("sleep", _no_sleep)
        return HttpxDarajaGateway(client, {Environment.SANDBOX: BASE}, FakeClock(), **kwargs)

    @property
    def oauth_calls(self) -> int:
        return sum(r.url.path == "/oauth/v1/generate" for r in self.requests)


async def _no_sleep(_: float) -> None:
    return None


def envelope(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"requestId": "r-1", "errorCode": code, "errorMessage": message})


async def push(daraja: Daraja) -> PushVerdict:
    return await daraja.gateway().stk_push(credentials(), push_request("https://m.test", "254708374149", "tok"))


async def accepted_push(daraja: Daraja) -> PushAccepted:
    verdict = await push(daraja)
    assert isinstance(verdict, PushAccepted)
    return verdict


async def test_a_second_token_refusal_is_a_configuration_error() -> None:
    daraja = Daraja(
        envelope(404, "404.001.03", "Invalid Access Token"), envelope(404, "404.001.03", "Invalid Access Token")
    )

    refused = await push(daraja)

    assert isinstance(refused, PushMisconfigured)
    assert daraja.oauth_calls == 2
    assert refused.exchange is not None
    assert refused.exchange.http_status == 404


async def test_a_refused_token_is_refreshed_and_the_push_sent_again() -> None:
    daraja = Daraja(envelope(404, "404.001.03", "Invalid Access Token"), httpx.Response(200, json=ACCEPTED))

    accepted = await accepted_push(daraja)

    assert accepted.checkout_request_id == "ws_CO_1"
    assert daraja.oauth_calls == 2


@pytest.mark.parametrize("expires_in", [3599, "3599", " 3599 "])
async def test_expires_in_as_number_or_string(expires_in: object) -> None:
    daraja = Daraja(
        httpx.Response(200, json=ACCEPTED),
        httpx.Response(200, json=ACCEPTED),
        oauth=httpx.Response(200, json={"access_token": "T" * 28, "expires_in": expires_in}),
    )
    gateway = daraja.gateway()

    for token in ("a", "b"):
        pushed = await gateway.stk_push(credentials(), push_request("https://m.test", "254708374149", token))
        assert isinstance(pushed, PushAccepted)

    assert daraja.oauth_calls == 1
    sent = [r for r in daraja.requests if r.url.path != "/oauth/v1/generate"]
    assert all(r.headers["authorization"] == "Bearer " + "T" * 28 for r in sent)
    oauth = next(r for r in daraja.requests if r.url.path == "/oauth/v1/generate")
    assert oauth.headers["authorization"].startswith("Basic ")
    assert oauth.url.params["grant_type"] == "client_credentials"


@pytest.mark.parametrize("status", [400, 401])
async def test_oauth_refusal_is_a_configuration_error(status: int) -> None:
    daraja = Daraja(oauth=envelope(status, "400.008.01", "Invalid authentication type passed"))

    refused = await push(daraja)

    assert isinstance(refused, PushMisconfigured)
    assert refused.exchange is not None
    assert refused.exchange.http_status == status
    assert sum(r.url.path.endswith("processrequest") for r in daraja.requests) == 0  # never pushed


async def test_an_oauth_failure_reaches_every_waiting_caller_and_is_not_cached() -> None:
    daraja = Daraja(httpx.Response(200, json=ACCEPTED), oauth=httpx.Response(500, text="boom"))
    gateway = daraja.gateway()
    request = push_request("https://m.test", "254708374149", "t")

    results = await asyncio.gather(
        *(gateway.stk_push(credentials(), request) for _ in range(5)), return_exceptions=True
    )

    assert all(isinstance(r, PushNotSent) for r in results)
    assert daraja.oauth_calls == 1
    assert sum(r.url.path.endswith("processrequest") for r in daraja.requests) == 0  # nothing was pushed
    daraja.oauth = httpx.Response(200, json={"access_token": "U" * 28, "expires_in": "3599"})
    assert isinstance(await gateway.stk_push(credentials(), request), PushAccepted)


@pytest.mark.parametrize(
    ("answer", "verdict", "retry_after"),
    [
        (envelope(500, "500.003.02", "Error Occurred: Spike Arrest Violation"), PushNotSent, 5.0),
        (envelope(500, "500.003.03", "Quota Violation"), PushNotSent, 60.0),
        (envelope(500, "500.003.1001", "Internal Server Error"), PushNotSent, 5.0),
        (httpx.Response(502, text="<html>bad gateway</html>"), PushNotSent, 5.0),
        (httpx.Response(200, json={"ResponseCode": "1", "ResponseDescription": "no"}), PushNotSent, 5.0),
        (httpx.Response(504, text="gateway timeout"), PushAnswerLost, None),
        (httpx.Response(200, text="<html>ok?</html>"), PushAnswerLost, None),
        (httpx.Response(200, json={"ResponseCode": "0"}), PushAnswerLost, None),
        (envelope(400, "400.002.02", "Bad Request - Invalid CallBackURL"), PushMisconfigured, None),
        (envelope(404, "404.001.01", "Resource not found"), PushMisconfigured, None),
    ],
)
async def test_push_answers(answer: httpx.Response, verdict: type[PushVerdict], retry_after: float | None) -> None:
    daraja = Daraja(answer)

    got = await push(daraja)

    assert type(got) is verdict
    if retry_after is not None:
        assert isinstance(got, PushNotSent)
        assert got.retry_after == retry_after
    assert got.exchange is not None
    assert got.exchange.http_status == answer.status_code
    assert sum(r.url.path.endswith("processrequest") for r in daraja.requests) == 1  # never re-pushed


async def test_response_code_compared_as_a_string() -> None:
    accepted = await accepted_push(Daraja(httpx.Response(200, json={**ACCEPTED, "ResponseCode": 0})))

    assert accepted.merchant_request_id == "m-1"


async def test_the_query_retries_while_unavailable_with_a_fresh_password() -> None:
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    final = {"ResponseCode": "0", "CheckoutRequestID": "ws_CO_1", "ResultCode": "1032", "ResultDesc": "cancelled"}
    daraja = Daraja(
        httpx.Response(503, text="down"), envelope(500, "500.003.02", "Spike"), httpx.Response(200, json=final)
    )
    gateway = daraja.gateway(sleep=record, query_backoff=QueryBackoff(attempts=3, base_delay=0.5, jitter=False))

    answer = await gateway.stk_query(credentials(), Environment.SANDBOX, "ws_CO_1")

    assert isinstance(answer, QueryFinal)
    assert answer.result.result_code == "1032"
    assert delays == [0.5, 1.0]


async def test_the_query_gives_up_after_its_attempts() -> None:
    daraja = Daraja(*(httpx.Response(503, text="down") for _ in range(3)))

    with pytest.raises(ProviderUnavailable):
        await daraja.gateway().stk_query(credentials(), Environment.SANDBOX, "ws_CO_1")

    assert len(daraja.answers) == 0


async def test_jittered_backoff_stays_under_the_ceiling() -> None:
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    daraja = Daraja(*(httpx.Response(503) for _ in range(3)))
    gateway = daraja.gateway(sleep=record, query_backoff=QueryBackoff(attempts=3, base_delay=1.0), random=lambda: 0.25)

    with pytest.raises(ProviderUnavailable):
        await gateway.stk_query(credentials(), Environment.SANDBOX, "ws_CO_1")

    assert delays == [0.25, 0.5]
