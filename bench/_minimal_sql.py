"""The minimal lifecycle, written by hand in asyncpg: the second ceiling of ``make bench`` (issue #16).

What a payment needs durably, as few round trips as we know how to write, and no more:

1. create: INSERT the intent and its ``payment_intent.created`` event;
2. claim: the version-checked UPDATE to ``processing`` (``RETURNING``), the push row and the
   ``payment_intent.processing`` event;
3. callback: the raw callback row, the push row's exchange (settle), the version-checked UPDATE to
   ``succeeded`` and the ``payment_intent.succeeded`` event.

Each is one transaction of three round trips: ``BEGIN`` with, in the same simple-protocol message, the
statement that sets the tenant (row-level security stays on: it runs as ``micropay_app``) and takes the
tenant's event-order advisory lock (ADR 0008: events commit in ``seq`` order); one data-modifying CTE that
writes every row (prepared, with parameters); ``COMMIT``. With
``endpoint_id`` set, each event's webhook-delivery row is inserted in the same CTE, as the contract wants
when an endpoint is enabled. There is no API-key lookup, no callback routing, no credential read and no
retrieve: the bench knows the tenant. The dispatcher's work (claim, send, record) is not in it either.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any, Final

import asyncpg
from _load import Samples
from _raw_sql import ENV, PHONE, _callback_body, _event_data, _push_exchange, sql_closed_loop

SETUP: Final = (
    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT set_config('micropay.merchant_id', '{merchant}', true),"
    " set_config('micropay.environment', '{environment}', true),"
    " pg_advisory_xact_lock(hashtext('micropay_events'), hashtext('{merchant}:{environment}'))"
)
# $1 merchant, $2 environment, $3 event id, $4 type, $5 created, $6 data, $7 request, $8 pending_webhooks
_EVENT: Final = (
    "INSERT INTO micropay_events (id, merchant_id, environment, intent_id, type, created, api_version, data,"
    " request, pending_webhooks) SELECT $3::text, $1::text, $2::text, u.id, $4::text, $5::bigint, '2026-12-01',"
    " $6::jsonb, $7::jsonb, $8::int FROM u"
)


def _delivery(first: int) -> str:
    """The delivery CTE (``$first`` delivery id, ``+1`` endpoint id, ``+2`` body), reading the event's id."""
    d, e, b = (f"${first + i}" for i in range(3))
    return (
        ", d AS (INSERT INTO micropay_webhook_deliveries (id, merchant_id, environment, event_id, event_type,"
        f" endpoint_id, body, status, scheduled_attempts, next_attempt_at, created) SELECT {d}::text, $1::text,"
        f" $2::text, $3::text, $4::text, {e}::text, {b}::bytea, 'pending', 0, $5::bigint, $5::bigint FROM u)"
    )


_CREATE: Final = (
    "WITH u AS (INSERT INTO micropay_payment_intents (id, merchant_id, environment, amount, currency, status,"
    " phone_number, account_reference, description, metadata, secret_hash, created, updated, version,"
    " attempt_count, last_payment_error) VALUES ($9::text, $1::text, $2::text, 150000, 'kes',"
    " 'requires_payment_method', $10::text, $11::text, 'Bench order', '{}'::jsonb, $12::text, $5::bigint,"
    " $5::bigint, 1, 0, 'null'::jsonb) RETURNING id){deliveries} "
)
_CLAIM: Final = (
    "WITH u AS (UPDATE micropay_payment_intents SET status = 'processing', version = version + 1,"
    " attempt_id = $10::text, attempt_count = attempt_count + 1, mpesa_phone_number = phone_number,"
    " updated = $5::bigint WHERE id = $9::text AND merchant_id = $1::text AND environment = $2::text"
    " AND version = 1 RETURNING id),"
    " a AS (INSERT INTO micropay_provider_attempts (id, intent_id, merchant_id, environment, kind, push_id,"
    " created, request, response, callback_token_hash, callback_token_hint) SELECT $10::text, u.id, $1::text,"
    " $2::text, 'stk_push', $10::text, $5::bigint, 'null'::jsonb, 'null'::jsonb, $11::text, $12::text FROM u)"
    "{deliveries} "
)
_SETTLE: Final = (
    "WITH c AS (INSERT INTO micropay_provider_attempts (id, intent_id, merchant_id, environment, kind, push_id,"
    " created, outcome, request, response, checkout_request_id, updated) VALUES ($9::text, $10::text, $1::text,"
    " $2::text, 'callback', $11::text, $5::bigint, 'applied', $12::jsonb, 'null'::jsonb, $13::text, $5::bigint)),"
    " p AS (UPDATE micropay_provider_attempts SET outcome = 'accepted', request = $14::jsonb,"
    " response = $15::jsonb, http_status = 200, checkout_request_id = $13::text, updated = $5::bigint"
    " WHERE id = $11::text AND merchant_id = $1::text AND environment = $2::text),"
    " u AS (UPDATE micropay_payment_intents SET status = 'succeeded', version = version + 1,"
    " provider_ref = $13::text, mpesa_receipt_number = $16::text, mpesa_transaction_date = $5::bigint,"
    " updated = $5::bigint WHERE id = $10::text AND merchant_id = $1::text AND environment = $2::text"
    " AND version = 2 RETURNING id){deliveries} "
)


def _statement(template: str, first_free: int, webhooks: bool) -> str:
    return template.replace("{deliveries}", _delivery(first_free) if webhooks else "") + _EVENT


class MinimalLifecycle:
    """One merchant's minimal lifecycles; ``endpoint_id``: also write a delivery row per event."""

    def __init__(self, pool: asyncpg.Pool, merchant_id: str, endpoint_id: str | None = None) -> None:
        self._pool = pool
        self._merchant = merchant_id
        self._endpoint = endpoint_id
        webhooks = endpoint_id is not None
        self._create = _statement(_CREATE, 13, webhooks)
        self._claim = _statement(_CLAIM, 13, webhooks)
        self._settle = _statement(_SETTLE, 17, webhooks)
        self._counter = 0
        self._setup = SETUP.format(merchant=merchant_id, environment=ENV)

    async def run(self, samples: Samples, until: float) -> None:
        timed: dict[str, float] = {}
        state: dict[str, Any] = {}
        try:
            for name, step in (("create", self._step_create), ("confirm", self._step_claim)):
                started = time.perf_counter()
                await step(state)
                timed[name] = time.perf_counter() - started
            started = time.perf_counter()
            await self._step_callback(state)
            timed["callback"] = time.perf_counter() - started
        except (asyncpg.PostgresError, OSError, AssertionError) as exc:
            samples.errors[type(exc).__name__] += 1
            return
        if time.perf_counter() <= until:
            samples.lifecycles += 1
            for step_name, seconds in timed.items():
                samples.latencies[step_name].append(seconds)

    async def _transaction(self, statement: str, *args: object) -> None:
        async with self._pool.acquire() as connection:
            await connection.execute(self._setup)
            try:
                done = await connection.execute(statement, self._merchant, ENV, *args)
                assert done == "INSERT 0 1", f"the version check failed: {done}"
            except BaseException:
                await connection.execute("ROLLBACK")
                raise
            await connection.execute("COMMIT")

    def _event(self, kind: str, intent_id: str, status: str, now: int, request: str) -> tuple[Any, ...]:
        data = _event_data(intent_id, status, now)
        return f"evt_min{secrets.token_hex(10)}", kind, now, data, request, 1 if self._endpoint else 0

    def _deliveries(self, event: tuple[Any, ...]) -> tuple[Any, ...]:
        if self._endpoint is None:
            return ()
        body = f'{{"id":"{event[0]}","object":"event","type":"{event[1]}","data":{event[3]}}}'.encode()
        return f"whd_min{secrets.token_hex(10)}", self._endpoint, body

    async def _step_create(self, state: dict[str, Any]) -> None:
        now, intent_id = int(time.time()), f"pi_min{secrets.token_hex(10)}"
        event = self._event("payment_intent.created", intent_id, "requires_payment_method", now, _REQUEST)
        secret_hash = hashlib.sha256(secrets.token_bytes(24)).hexdigest()
        await self._transaction(
            self._create, *event, intent_id, PHONE, intent_id[-12:], secret_hash, *self._deliveries(event)
        )
        state["intent"] = intent_id

    async def _step_claim(self, state: dict[str, Any]) -> None:
        now, attempt_id = int(time.time()), f"pa_min{secrets.token_hex(10)}"
        token = secrets.token_urlsafe(24)
        event = self._event("payment_intent.processing", state["intent"], "processing", now, _REQUEST)
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        await self._transaction(
            self._claim, *event, state["intent"], attempt_id, token_hash, token[:6], *self._deliveries(event)
        )
        state.update(attempt=attempt_id, token=token)

    async def _step_callback(self, state: dict[str, Any]) -> None:
        self._counter += 1
        now, callback_id = int(time.time()), f"pa_min{secrets.token_hex(10)}"
        checkout = f"ws_CO_min{secrets.token_hex(8)}"
        request, response = _push_exchange(state["token"], checkout)
        event = self._event("payment_intent.succeeded", state["intent"], "succeeded", now, "null")
        body = _callback_body(checkout, self._counter)
        receipt = f"MIN{self._counter:07d}"
        await self._transaction(
            self._settle,
            *event,
            callback_id,
            state["intent"],
            state["attempt"],
            body,
            checkout,
            request,
            response,
            receipt,
            *self._deliveries(event),
        )


_REQUEST: Final = '{"id": "req_min", "idempotency_key": null}'


async def minimal_closed_loop(
    pool: asyncpg.Pool, merchant_id: str, concurrency: int, seconds: float, endpoint_id: str | None = None
) -> tuple[Samples, float]:
    """``concurrency`` workers run minimal lifecycles back to back for ``seconds``."""
    return await sql_closed_loop(lambda: MinimalLifecycle(pool, merchant_id, endpoint_id), concurrency, seconds)
