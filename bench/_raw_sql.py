"""The database's ceiling: the same lifecycle as raw SQL on asyncpg, without HTTP, the framework or the ORM.

Statement for statement and transaction for transaction what the API sends (read off Postgres'
``log_statement = all`` for one lifecycle; see docs/benchmarks.md):

- no API-key lookup: the API's per-process key cache (invalidated by ``NOTIFY``) answers every request after
  the first (``micropay_find_api_key`` is the autocommit lookup it does on a miss);
- every unit of work: BEGIN and the tenant ``set_config`` pair in one message, its statements, COMMIT
  (ROLLBACK for a read);
- before every event: SELECT the tenant's webhook endpoints (``schedule_deliveries``; none is enabled in
  the base phases), then the tenant's event-order advisory lock (first event of a transaction);
- create: INSERT intent, INSERT its ``payment_intent.created`` event;
- confirm: claim (SELECT intent, SELECT credentials, UPDATE intent with its version, INSERT the
  ``payment_intent.processing`` event, INSERT attempt), then after the push, settle from the claim's own
  writes (UPDATE intent with its version, UPDATE attempt with the exchange; an accepted push changes no
  status: no event);
- callback: route (autocommit ``micropay_route_callback``), then one transaction: INSERT the raw callback,
  SAVEPOINT, apply (SELECT push attempt, SELECT intent, UPDATE intent, INSERT the
  ``payment_intent.succeeded`` event, UPDATE callback attempt), RELEASE SAVEPOINT;
- retrieve: SELECT intent.

It runs as ``micropay_app`` (row-level security on), on a pool that does not reset connections on release,
like SQLAlchemy's (asyncpg's default reset would add a round trip per transaction the API does not pay).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Final, Protocol

import asyncpg
import msgspec
from _load import Samples

FIND_API_KEY: Final = "SELECT * FROM micropay_find_api_key($1)"
ROUTE_CALLBACK: Final = "SELECT * FROM micropay_route_callback($1)"
BEGIN_WITH_TENANT: Final = (
    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT set_config('micropay.merchant_id', '{merchant}', true),"
    " set_config('micropay.environment', '{environment}', true)"
)
_INTENT_COLUMNS: Final = (
    "id, merchant_id, environment, amount, currency, status, phone_number, account_reference, description, "
    "metadata, secret_hash, created, updated, version, attempt_id, attempt_count, next_action_expires_at, "
    "last_payment_error, mpesa_phone_number, provider_ref, mpesa_merchant_request_id, mpesa_receipt_number, "
    "mpesa_transaction_date, canceled_at, cancellation_reason"
)
_ATTEMPT_COLUMNS: Final = (
    "id, intent_id, merchant_id, environment, kind, push_id, created, outcome, request, response, http_status, "
    "checkout_request_id, callback_token_hash, callback_token_hint, updated"
)
INSERT_INTENT: Final = (
    f"INSERT INTO micropay_payment_intents ({_INTENT_COLUMNS}) VALUES ("
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16, $17, $18::jsonb, $19, $20, $21, "
    "$22, $23, $24, $25)"
)
GET_INTENT: Final = (
    f"SELECT {_INTENT_COLUMNS} FROM micropay_payment_intents WHERE id = $1 AND merchant_id = $2 AND environment = $3"
)
GET_CREDENTIALS: Final = (
    "SELECT merchant_id, environment, encrypted_blob, iv, key_id, business_short_code, transaction_type, party_b,"
    " consumer_key_last4, updated FROM micropay_provider_credentials WHERE merchant_id = $1 AND environment = $2"
)
SAVE_INTENT: Final = (
    "UPDATE micropay_payment_intents SET status = $1, phone_number = $2, account_reference = $3, description = $4,"
    " metadata = $5::jsonb, updated = $6, version = $7, attempt_id = $8, attempt_count = $9,"
    " next_action_expires_at = $10, last_payment_error = $11::jsonb, mpesa_phone_number = $12, provider_ref = $13,"
    " mpesa_merchant_request_id = $14, mpesa_receipt_number = $15, mpesa_transaction_date = $16, canceled_at = $17,"
    " cancellation_reason = $18"
    " WHERE id = $19 AND merchant_id = $20 AND environment = $21 AND version = $22"
)
INSERT_ATTEMPT: Final = (
    f"INSERT INTO micropay_provider_attempts ({_ATTEMPT_COLUMNS}) VALUES ("
    "$1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, $14, $15)"
)
GET_ATTEMPT: Final = (
    f"SELECT {_ATTEMPT_COLUMNS} FROM micropay_provider_attempts WHERE id = $1 AND merchant_id = $2 AND environment = $3"
)
UPDATE_ATTEMPT: Final = (
    "UPDATE micropay_provider_attempts SET outcome = $1, request = $2::jsonb, response = $3::jsonb, http_status = $4,"
    " checkout_request_id = $5, updated = $6 WHERE id = $7 AND merchant_id = $8 AND environment = $9"
)
INSERT_EVENT: Final = (
    "INSERT INTO micropay_events (id, merchant_id, environment, intent_id, type, created, api_version, data,"
    " request, pending_webhooks) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10)"
)
LIST_ENDPOINTS: Final = (
    "SELECT id, merchant_id, environment, url, enabled_events, description, status, disabled_reason, secrets,"
    " created, failing_since, last_failure_at FROM micropay_webhook_endpoints"
    " WHERE merchant_id = $1 AND environment = $2 ORDER BY id DESC LIMIT $3"
)
LOCK_EVENTS: Final = "SELECT pg_advisory_xact_lock(hashtext('micropay_events'), hashtext($1))"
ENV: Final = "sandbox"
PHONE: Final = "254708374149"


async def _act_as_app(connection: asyncpg.Connection) -> None:
    await connection.execute("SET ROLE micropay_app")


async def _no_reset(_connection: asyncpg.Connection) -> None:
    """SQLAlchemy's pool sends nothing when a connection that ended its transaction goes back."""


class RawLifecycle:
    """One merchant's lifecycles on an asyncpg pool; ``key_hash`` is the hash of its sandbox secret key."""

    def __init__(self, pool: asyncpg.Pool, merchant_id: str, key_hash: str) -> None:
        self._pool = pool
        self._merchant = merchant_id
        self._key_hash = key_hash
        self._counter = 0
        # The API's unit of work (pg_driver.py): BEGIN and the tenant in one simple-protocol message.
        self._begin = BEGIN_WITH_TENANT.format(merchant=merchant_id, environment=ENV)

    @contextlib.asynccontextmanager
    async def _transaction(self, connection: asyncpg.Connection) -> AsyncIterator[None]:
        await connection.execute(self._begin)
        try:
            yield
        except BaseException:
            await connection.execute("ROLLBACK")
            raise
        await connection.execute("COMMIT")

    async def run(self, samples: Samples, until: float) -> None:
        timed: dict[str, float] = {}
        state: dict[str, Any] = {}
        try:
            for step in (self._create, self._confirm, self._callback, self._retrieve):
                started = time.perf_counter()
                await step(state)
                timed[step.__name__.lstrip("_")] = time.perf_counter() - started
        except (asyncpg.PostgresError, OSError, AssertionError) as exc:
            samples.errors[type(exc).__name__] += 1
            return
        if time.perf_counter() <= until:
            samples.lifecycles += 1
            for step_name, seconds in timed.items():
                samples.latencies[step_name].append(seconds)

    async def _lookup(self, statement: str, argument: str) -> asyncpg.Record:
        async with self._pool.acquire() as connection:
            row = await connection.fetchrow(statement, argument)
        assert row is not None, "the directory lookup found nothing"
        return row

    async def _create(self, state: dict[str, Any]) -> None:
        self._counter += 1
        now = int(time.time())
        intent_id = f"pi_raw{secrets.token_hex(10)}"
        secret_hash = hashlib.sha256(secrets.token_bytes(24)).hexdigest()
        row: list[object] = [intent_id, self._merchant, ENV, 150000, "kes", "requires_payment_method", PHONE]
        row += [intent_id[-12:], "Bench order", "{}", secret_hash, now, now, 1, None, 0, None, "null"]
        row += [None] * 7
        async with self._pool.acquire() as connection, self._transaction(connection):
            await connection.execute(INSERT_INTENT, *row)
            await self._event(connection, intent_id, "payment_intent.created", "requires_payment_method", now)
        state["intent"] = intent_id

    async def _confirm(self, state: dict[str, Any]) -> None:
        intent_id, now = state["intent"], int(time.time())
        attempt_id = f"pa_raw{secrets.token_hex(10)}"
        token = secrets.token_urlsafe(24)
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        async with self._pool.acquire() as connection, self._transaction(connection):
            assert await connection.fetchrow(GET_INTENT, intent_id, self._merchant, ENV) is not None
            await connection.fetchrow(GET_CREDENTIALS, self._merchant, ENV)
            await self._save(connection, intent_id, "processing", 2, attempt_id, now, None, None)
            await self._event(connection, intent_id, "payment_intent.processing", "processing", now)
            attempt = (attempt_id, intent_id, self._merchant, ENV, "stk_push", attempt_id, now, None, "null", "null")
            await connection.execute(INSERT_ATTEMPT, *attempt, None, None, token_hash, token[:6], None)
        checkout = f"ws_CO_raw{secrets.token_hex(8)}"
        async with self._pool.acquire() as connection, self._transaction(connection):
            # settle: from the claim's writes, no re-read
            await self._save(connection, intent_id, "processing", 3, attempt_id, now, checkout, None)
            request, response = _push_exchange(token, checkout)
            await connection.execute(
                UPDATE_ATTEMPT, "accepted", request, response, 200, checkout, now, attempt_id, self._merchant, ENV
            )
        state.update(attempt=attempt_id, token_hash=token_hash, checkout=checkout)

    async def _callback(self, state: dict[str, Any]) -> None:
        route = await self._lookup(ROUTE_CALLBACK, state["token_hash"])
        now, callback_id = int(time.time()), f"pa_raw{secrets.token_hex(10)}"
        body = _callback_body(state["checkout"], self._counter)
        async with self._pool.acquire() as connection, self._transaction(connection):
            row = (callback_id, route["intent_id"], self._merchant, ENV, "callback", route["push_id"], now, None)
            await connection.execute(INSERT_ATTEMPT, *row, body, "null", None, None, None, None, None)
            await connection.execute("SAVEPOINT sa_savepoint_1")  # the apply, undone alone if it fails
            await connection.fetchrow(GET_ATTEMPT, route["push_id"], self._merchant, ENV)
            await connection.fetchrow(GET_INTENT, route["intent_id"], self._merchant, ENV)
            receipt = f"RAW{self._counter:07d}"
            await self._save(
                connection, route["intent_id"], "succeeded", 4, state["attempt"], now, state["checkout"], receipt
            )
            await self._event(connection, route["intent_id"], "payment_intent.succeeded", "succeeded", now, None)
            await connection.execute(
                UPDATE_ATTEMPT, "applied", body, "null", None, state["checkout"], now, callback_id, self._merchant, ENV
            )
            await connection.execute("RELEASE SAVEPOINT sa_savepoint_1")

    async def _retrieve(self, state: dict[str, Any]) -> None:
        async with self._pool.acquire() as connection:
            await connection.execute(self._begin)
            row = await connection.fetchrow(GET_INTENT, state["intent"], self._merchant, ENV)
            await connection.execute("ROLLBACK")
        assert row is not None, "the intent is missing"
        assert row["status"] == "succeeded", "the raw lifecycle did not succeed"

    async def _event(
        self,
        connection: asyncpg.Connection,
        intent_id: str,
        kind: str,
        status: str,
        now: int,
        request: str | None = '{"id": "req_raw", "idempotency_key": null}',
    ) -> None:
        await connection.fetch(LIST_ENDPOINTS, self._merchant, ENV, 16)  # schedule_deliveries: none enabled
        await connection.execute(LOCK_EVENTS, f"{self._merchant}:{ENV}")  # the tenant's event order
        data = _event_data(intent_id, status, now)
        event_id = f"evt_raw{secrets.token_hex(10)}"
        row = (event_id, self._merchant, ENV, intent_id, kind, now, "2026-12-01", data, request or "null", 0)
        await connection.execute(INSERT_EVENT, *row)

    async def _save(
        self,
        connection: asyncpg.Connection,
        intent_id: str,
        status: str,
        version: int,
        attempt_id: str,
        now: int,
        checkout: str | None,
        receipt: str | None,
    ) -> None:
        merchant_request = f"raw-{checkout}" if checkout else None
        values: list[object] = [status, PHONE, intent_id[-12:], "Bench order", "{}", now, version, attempt_id, 1]
        values += [now + 90 if status == "processing" and checkout else None, "null", PHONE, checkout]
        values += [merchant_request, receipt, now if receipt else None, None, None]
        done = await connection.execute(SAVE_INTENT, *values, intent_id, self._merchant, ENV, version - 1)
        assert done == "UPDATE 1", "optimistic lock lost"


def _event_data(intent_id: str, status: str, now: int) -> str:
    """``data`` of an event: the public intent, the same size and shape as the API writes."""
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "livemode": False,
        "amount": 150000,
        "currency": "kes",
        "status": status,
        "phone_number": PHONE,
        "account_reference": intent_id[-12:],
        "description": "Bench order",
        "metadata": {},
        "client_secret": None,
        "next_action": None,
        "last_payment_error": None,
        "mpesa": {
            "checkout_request_id": None,
            "merchant_request_id": None,
            "receipt_number": None,
            "transaction_date": None,
            "phone_number": PHONE,
        }
        if status != "requires_payment_method"
        else None,
        "created": now,
        "updated": now,
        "canceled_at": None,
        "cancellation_reason": None,
    }
    return msgspec.json.encode({"object": intent}).decode()


def _push_exchange(token: str, checkout: str) -> tuple[str, str]:
    """The redacted STK push request and Daraja's answer, as the API stores them (same size and shape)."""
    request = {
        "Amount": 1500,
        "PartyA": PHONE,
        "PartyB": "174379",
        "Password": "[REDACTED]",
        "Timestamp": time.strftime("%Y%m%d%H%M%S"),
        "CallBackURL": f"http://127.0.0.1:8000/webhooks/mpesa/{token[:6]}[REDACTED]",
        "PhoneNumber": PHONE,
        "TransactionDesc": "Bench order",
        "TransactionType": "CustomerPayBillOnline",
        "AccountReference": "KiTPEJW77i35",
        "BusinessShortCode": "174379",
    }
    response = {
        "MerchantRequestID": f"raw-{checkout}",
        "CheckoutRequestID": checkout,
        "ResponseCode": "0",
        "ResponseDescription": "Success. Request accepted for processing",
        "CustomerMessage": "Success. Request accepted for processing",
    }
    return msgspec.json.encode(request).decode(), msgspec.json.encode(response).decode()


def _callback_body(checkout: str, counter: int) -> str:
    items = [
        {"Name": "Amount", "Value": 1500.0},
        {"Name": "MpesaReceiptNumber", "Value": f"RAW{counter:07d}"},
        {"Name": "Balance"},
        {"Name": "TransactionDate", "Value": int(time.strftime("%Y%m%d%H%M%S"))},
        {"Name": "PhoneNumber", "Value": int(PHONE)},
    ]
    callback = {
        "MerchantRequestID": f"raw-{checkout}",
        "CheckoutRequestID": checkout,
        "ResultCode": 0,
        "ResultDesc": "The service request is processed successfully.",
        "CallbackMetadata": {"Item": items},
    }
    return msgspec.json.encode({"Body": {"stkCallback": callback}}).decode()


async def open_pool(dsn: str, size: int) -> asyncpg.Pool:
    """``size`` connections as ``micropay_app``, opened now, never reset on release (like SQLAlchemy's pool)."""
    pool: asyncpg.Pool = await asyncpg.create_pool(dsn, min_size=size, max_size=size, init=_act_as_app, reset=_no_reset)
    return pool


class SqlLifecycle(Protocol):
    async def run(self, samples: Samples, until: float) -> None: ...


async def sql_closed_loop(
    new_lifecycle: Callable[[], SqlLifecycle], concurrency: int, seconds: float
) -> tuple[Samples, float]:
    """One warm-up lifecycle, then ``concurrency`` workers, each with its own lifecycle from ``new_lifecycle``,
    run lifecycles back to back for ``seconds``."""
    await new_lifecycle().run(Samples(), time.perf_counter() + 60)
    samples = Samples()
    until = time.perf_counter() + seconds

    async def worker() -> None:
        lifecycle = new_lifecycle()
        while time.perf_counter() < until:
            await lifecycle.run(samples, until)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples, seconds


async def raw_closed_loop(
    pool: asyncpg.Pool, merchant_id: str, key_hash: str, concurrency: int, seconds: float
) -> tuple[Samples, float]:
    """``concurrency`` workers run raw lifecycles back to back for ``seconds``."""
    return await sql_closed_loop(lambda: RawLifecycle(pool, merchant_id, key_hash), concurrency, seconds)
