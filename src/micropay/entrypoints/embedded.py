"""Micropay in-process: the use cases wired with the real adapters, for Python services that embed it.

    async with embedded(Settings.from_env()) as micropay:
        principal = await micropay.authenticate("sk_test_...")
        created = await micropay.create_intent(
            principal.tenant, CreateIntentCommand(amount=150_000, currency="kes", phone_number="0708374149")
        )
        intent = await micropay.confirm_intent(principal.tenant, created.intent.id)

The same rules, storage, vault and Daraja gateway as the HTTP API (the one composition root builds both).
Daraja's callbacks still need a route of yours that hands ``(token, decoded JSON body)`` to
``handle_callback``; or let ``reconcile_intent`` (or the ``micropay serve`` maintenance loop) settle them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from dishka import Provider

from micropay.domain.use_cases.api_keys import Authenticate, CreateMerchant, RollApiKey
from micropay.domain.use_cases.cancel_intent import CancelPaymentIntent
from micropay.domain.use_cases.confirm_intent import ConfirmPaymentIntent
from micropay.domain.use_cases.create_intent import CreatePaymentIntent
from micropay.domain.use_cases.credentials import DeleteCredentials, GetCredentials, SetCredentials
from micropay.domain.use_cases.handle_callback import HandleCallback
from micropay.domain.use_cases.queries import GetPaymentIntent, ListAttempts, ListPaymentIntents
from micropay.domain.use_cases.reconcile_intent import ReconcilePaymentIntent
from micropay.entrypoints.container import make_container
from micropay.entrypoints.settings import Settings


class Micropay(msgspec.Struct, frozen=True, kw_only=True):
    """Every use case a merchant-facing service needs; each is an async callable (see its docstring)."""

    authenticate: Authenticate
    create_merchant: CreateMerchant
    roll_api_key: RollApiKey
    create_intent: CreatePaymentIntent
    confirm_intent: ConfirmPaymentIntent
    cancel_intent: CancelPaymentIntent
    reconcile_intent: ReconcilePaymentIntent
    get_intent: GetPaymentIntent
    list_intents: ListPaymentIntents
    list_attempts: ListAttempts
    handle_callback: HandleCallback
    set_credentials: SetCredentials
    get_credentials: GetCredentials
    delete_credentials: DeleteCredentials


@asynccontextmanager
async def embedded(settings: Settings | None = None, *overrides: Provider) -> AsyncIterator[Micropay]:
    """Open Micropay for the duration of the block; the engine and HTTP client close when it ends.

    ``settings`` defaults to the environment (``MICROPAY_*``, ``.env``); ``overrides`` are dishka providers
    that replace adapters (a fake gateway in your tests, for example). Run ``micropay db upgrade`` first.
    """
    container = make_container(settings or Settings.from_env(), *overrides)
    try:
        async with container() as scope:
            yield Micropay(**{name: await scope.get(kind) for name, kind in _USE_CASES.items()})
    finally:
        await container.close()


_USE_CASES: dict[str, type] = {field.name: field.type for field in msgspec.structs.fields(Micropay)}
