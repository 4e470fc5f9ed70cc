"""``HttpxDarajaGateway``: the Daraja gateway port over httpx (OAuth, STK push, STK push query)."""

from __future__ import annotations

import asyncio
import logging
import random as _random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import msgspec

from micropay.adapters.daraja import mapping, wire
from micropay.adapters.daraja.backoff import QueryBackoff
from micropay.adapters.daraja.tokens import DEFAULT_REFRESH_MARGIN, AccessTokenCache, TokenKey
from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Environment
from micropay.domain.model.push import PushAccepted, PushVerdict
from micropay.ports.clock import Clock
from micropay.ports.daraja_gateway import (
    DarajaGateway,
    Exchange,
    ProviderConfigurationError,
    ProviderUnavailable,
    QueryFinal,
    QueryPending,
    StkPushRequest,
)

log = logging.getLogger(__name__)

_JSON = {"Content-Type": "application/json"}
_OAUTH_REQUEST = {"grant_type": "client_credentials"}


class _Unanswered(Exception):
    """Internal signal: the POST itself failed in transport; what it means depends on the call (push or query)."""

    def __init__(self, cause: httpx.TransportError, exchange: Exchange) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause
        self.exchange = exchange


class HttpxDarajaGateway(DarajaGateway):
    """Talks to Daraja for one process; safe for concurrent use.

    - The STK push is sent exactly once and answers its verdict (``mapping.push_outcome``). The only repeat
      is after ``404.001.03`` (token refused before anything happened): the token is refreshed once and the
      push re-sent; a second refusal is ``PushMisconfigured``.
    - The query is repeated with backoff (``query_backoff``) while Daraja is unavailable.
    - Every result and error carries the redacted ``Exchange``; no token or Password is logged or kept.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_urls: Mapping[Environment, str],
        clock: Clock,
        *,
        query_backoff: QueryBackoff = QueryBackoff(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        token_refresh_margin: float = DEFAULT_REFRESH_MARGIN,
    ) -> None:
        self._client = client
        self._base_urls = {env: url.rstrip("/") for env, url in base_urls.items()}
        self._clock = clock
        self._backoff = query_backoff
        self._sleep = sleep
        self._random = random
        self._tokens = AccessTokenCache(clock, token_refresh_margin)

    def __repr__(self) -> str:
        return f"HttpxDarajaGateway(environments={sorted(e.value for e in self._base_urls)})"

    async def stk_push(self, credentials: DarajaCredentials, request: StkPushRequest) -> PushVerdict:
        timestamp = wire.nairobi_timestamp(self._clock.now())  # once: Password and Timestamp must agree
        body = wire.push_body(credentials, request, timestamp)
        verdict: PushVerdict
        try:
            answer, exchange = await self._call(credentials, request.environment, wire.STK_PUSH_PATH, body)
        except _Unanswered as failed:
            verdict = mapping.push_transport_error(failed.cause, failed.exchange)
        except (ProviderUnavailable, ProviderConfigurationError) as exc:  # no token, so nothing was pushed
            verdict = mapping.push_refused(exc)
        else:
            verdict = mapping.push_outcome(answer, exchange)
        if isinstance(verdict, PushAccepted):
            log.info(
                "daraja stk push accepted",
                extra={
                    "checkout_request_id": verdict.checkout_request_id,
                    "short_code": credentials.business_short_code,
                },
            )
        else:
            log.warning(
                "daraja stk push not accepted",
                extra={
                    "verdict": type(verdict).__struct_config__.tag,
                    "http_status": verdict.exchange.http_status if verdict.exchange else None,
                    "short_code": credentials.business_short_code,
                },
            )
        return verdict

    async def stk_query(
        self, credentials: DarajaCredentials, environment: Environment, checkout_request_id: str
    ) -> QueryPending | QueryFinal:
        for retry in range(self._backoff.attempts):
            try:
                return await self._query_once(credentials, environment, checkout_request_id)
            except ProviderUnavailable as exc:
                if retry + 1 >= self._backoff.attempts:
                    raise
                log.info("daraja stk query unavailable, retrying", extra={"error": exc.message, "retry": retry + 1})
                await self._sleep(self._backoff.delay(retry, self._random))
        raise AssertionError("unreachable: QueryBackoff has at least one attempt")

    async def _query_once(
        self, credentials: DarajaCredentials, environment: Environment, checkout_request_id: str
    ) -> QueryPending | QueryFinal:
        timestamp = wire.nairobi_timestamp(self._clock.now())
        body = wire.query_body(credentials, checkout_request_id, timestamp)
        try:
            answer, exchange = await self._call(credentials, environment, wire.STK_QUERY_PATH, body)
        except _Unanswered as failed:
            raise mapping.query_transport_error(failed.cause, failed.exchange) from failed.cause
        return mapping.query_outcome(answer, exchange)

    async def _call(
        self,
        credentials: DarajaCredentials,
        environment: Environment,
        path: str,
        body: dict[str, Any],
    ) -> tuple[mapping.DarajaAnswer, Exchange]:
        """POST ``body`` with a Bearer token; refresh the token once if Daraja refuses it.

        Raises ``_Unanswered`` when the POST failed in transport, and the OAuth step's errors."""
        base = self._base_url(environment)
        key: TokenKey = (environment, credentials.consumer_key)
        logged = wire.redact_request(body)
        content = msgspec.json.encode(body)
        refreshed = False
        while True:
            token = await self._tokens.get(key, lambda: self._fetch_token(base, credentials))
            try:
                response = await self._client.post(
                    base + path, content=content, headers={**_JSON, "Authorization": f"Bearer {token}"}
                )
            except httpx.TransportError as exc:
                raise _Unanswered(exc, Exchange(request=logged)) from exc
            answer = mapping.DarajaAnswer(status=response.status_code, body=mapping.decode_body(response.content))
            exchange = Exchange(request=logged, response=answer.body, http_status=answer.status)
            if not mapping.is_token_rejected(answer):
                return answer, exchange
            if refreshed:
                raise mapping.token_refused_twice(exchange)
            log.info("daraja refused the access token; refreshing it once", extra={"environment": environment.value})
            self._tokens.invalidate(key, token)
            refreshed = True

    async def _fetch_token(self, base: str, credentials: DarajaCredentials) -> tuple[str, int]:
        try:
            response = await self._client.get(
                base + wire.OAUTH_PATH,
                params=_OAUTH_REQUEST,
                auth=httpx.BasicAuth(credentials.consumer_key, credentials.consumer_secret),
            )
        except httpx.TransportError as exc:
            raise mapping.oauth_transport_error(exc, Exchange(request=dict(_OAUTH_REQUEST))) from exc
        answer = mapping.DarajaAnswer(status=response.status_code, body=mapping.decode_body(response.content))
        # A successful OAuth body holds the token: it never goes into an Exchange.
        shown = None if 200 <= answer.status < 300 else answer.body
        exchange = Exchange(request=dict(_OAUTH_REQUEST), response=shown, http_status=answer.status)
        return mapping.token_from(answer, exchange)

    def _base_url(self, environment: Environment) -> str:
        try:
            return self._base_urls[environment]
        except KeyError:
            raise ProviderUnavailable(f"No Daraja base URL is configured for {environment.value}.") from None
