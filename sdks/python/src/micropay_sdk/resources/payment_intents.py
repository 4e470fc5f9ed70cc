"""``client.payment_intents`` (contract §3, §8, §11)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Unpack

from micropay_sdk import _wire
from micropay_sdk._transport import AsyncRequester, SyncRequester
from micropay_sdk._wire import ApiCall
from micropay_sdk.objects import Event, PaymentIntent, ProviderAttempt
from micropay_sdk.pagination import AsyncPage, Page
from micropay_sdk.params import (
    ListParams,
    PaymentIntentCancelParams,
    PaymentIntentConfirmParams,
    PaymentIntentCreateParams,
    PaymentIntentListParams,
    WaitUntil,
)
from micropay_sdk.resources._waiting import WaitPlan

BASE = "/v1/payment_intents"


def _path(intent_id: str, action: str = "") -> str:
    return f"{BASE}/{_wire.segment(intent_id, 'intent_id')}{action}"


def _create(params: PaymentIntentCreateParams, key: str | None) -> ApiCall[PaymentIntent]:
    return _wire.post(BASE, PaymentIntent, params, key)


def _retrieve(intent_id: str, client_secret: str | None) -> ApiCall[PaymentIntent]:
    return _wire.get(_path(intent_id), PaymentIntent, {"client_secret": client_secret})


def _action(intent_id: str, action: str, body: Mapping[str, object], key: str | None) -> ApiCall[PaymentIntent]:
    return _wire.post(_path(intent_id, f"/{action}"), PaymentIntent, body, key)


class PaymentIntents:
    """Create, confirm and follow payment intents with the sync client."""

    def __init__(self, requester: SyncRequester) -> None:
        self._requester = requester

    def create(
        self, *, idempotency_key: str | None = None, **params: Unpack[PaymentIntentCreateParams]
    ) -> PaymentIntent:
        """201: the new intent, with its ``client_secret`` (shown only here)."""
        return self._requester.send(_create(params, idempotency_key))

    def retrieve(self, intent_id: str, *, client_secret: str | None = None) -> PaymentIntent:
        """With a publishable key, pass the intent's ``client_secret``."""
        return self._requester.send(_retrieve(intent_id, client_secret))

    def list(self, **params: Unpack[PaymentIntentListParams]) -> Page[PaymentIntent]:
        """Newest first; ``.auto_paging_iter()`` walks every page."""
        return self._requester.page(BASE, PaymentIntent, dict(params))

    def confirm(
        self, intent_id: str, *, idempotency_key: str | None = None, **params: Unpack[PaymentIntentConfirmParams]
    ) -> PaymentIntent:
        """Send the STK push: ``processing`` when Daraja accepted it, ``failed`` for a customer-side refusal."""
        return self._requester.send(_action(intent_id, "confirm", params, idempotency_key))

    def cancel(
        self, intent_id: str, *, idempotency_key: str | None = None, **params: Unpack[PaymentIntentCancelParams]
    ) -> PaymentIntent:
        return self._requester.send(_action(intent_id, "cancel", params, idempotency_key))

    def reconcile(self, intent_id: str, *, idempotency_key: str | None = None) -> PaymentIntent:
        """Ask Daraja for the outcome of a ``processing`` intent and apply it (a no-op otherwise)."""
        return self._requester.send(_action(intent_id, "reconcile", {}, idempotency_key))

    def attempts(self, intent_id: str, **params: Unpack[ListParams]) -> Page[ProviderAttempt]:
        """The provider log, oldest first."""
        return self._requester.page(_path(intent_id, "/attempts"), ProviderAttempt, dict(params))

    def events(self, intent_id: str, **params: Unpack[ListParams]) -> Page[Event]:
        """This intent's events, oldest first."""
        return self._requester.page(_path(intent_id, "/events"), Event, dict(params))

    def wait(
        self,
        intent_id: str,
        *,
        until: WaitUntil = "terminal",
        version: int | None = None,
        timeout: float = 25,
        client_secret: str | None = None,
    ) -> PaymentIntent:
        """The intent once it is ``succeeded`` or ``canceled`` (``until="terminal"``), or once it has changed
        past ``version`` (``until="change"``; without ``version``: the next change), or as it is after
        ``timeout`` seconds (check its ``status``). ``failed`` is not terminal: the customer may try again;
        wait with ``until="change"`` to hear of a failure."""
        plan = WaitPlan(intent_id, until=until, version=version, timeout=timeout, client_secret=client_secret)
        while True:
            response = self._requester.send_raw(plan.next_call())
            intent: PaymentIntent = _wire.decode(response, PaymentIntent)
            if plan.finished(response, intent):
                return intent


class AsyncPaymentIntents:
    """The same calls as ``PaymentIntents``, for ``AsyncMicropay``."""

    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester

    async def create(
        self, *, idempotency_key: str | None = None, **params: Unpack[PaymentIntentCreateParams]
    ) -> PaymentIntent:
        return await self._requester.send(_create(params, idempotency_key))

    async def retrieve(self, intent_id: str, *, client_secret: str | None = None) -> PaymentIntent:
        return await self._requester.send(_retrieve(intent_id, client_secret))

    async def list(self, **params: Unpack[PaymentIntentListParams]) -> AsyncPage[PaymentIntent]:
        return await self._requester.page(BASE, PaymentIntent, dict(params))

    async def confirm(
        self, intent_id: str, *, idempotency_key: str | None = None, **params: Unpack[PaymentIntentConfirmParams]
    ) -> PaymentIntent:
        return await self._requester.send(_action(intent_id, "confirm", params, idempotency_key))

    async def cancel(
        self, intent_id: str, *, idempotency_key: str | None = None, **params: Unpack[PaymentIntentCancelParams]
    ) -> PaymentIntent:
        return await self._requester.send(_action(intent_id, "cancel", params, idempotency_key))

    async def reconcile(self, intent_id: str, *, idempotency_key: str | None = None) -> PaymentIntent:
        return await self._requester.send(_action(intent_id, "reconcile", {}, idempotency_key))

    async def attempts(self, intent_id: str, **params: Unpack[ListParams]) -> AsyncPage[ProviderAttempt]:
        return await self._requester.page(_path(intent_id, "/attempts"), ProviderAttempt, dict(params))

    async def events(self, intent_id: str, **params: Unpack[ListParams]) -> AsyncPage[Event]:
        return await self._requester.page(_path(intent_id, "/events"), Event, dict(params))

    async def wait(
        self,
        intent_id: str,
        *,
        until: WaitUntil = "terminal",
        version: int | None = None,
        timeout: float = 25,  # noqa: ASYNC109 - the server's wait (contract §11), not a cancel scope
        client_secret: str | None = None,
    ) -> PaymentIntent:
        plan = WaitPlan(intent_id, until=until, version=version, timeout=timeout, client_secret=client_secret)
        while True:
            response = await self._requester.send_raw(plan.next_call())
            intent: PaymentIntent = _wire.decode(response, PaymentIntent)
            if plan.finished(response, intent):
                return intent
