"""Micropay in-process, for Python services that embed it: ``from micropay import embedded`` (docs/embedding.md).

The same use cases, rules, storage, vault and Daraja gateway as the HTTP API (the one composition root builds
both), behind methods that take plain arguments and return the public types (``micropay.PaymentIntent`` is the
very Struct the API encodes). Daraja's callbacks still need a route of yours that hands ``(token, decoded JSON
body)`` to ``handle_callback``; or let ``reconcile_payment_intent`` (or ``micropay serve``'s loop) settle them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from dishka import AsyncContainer, Provider

from micropay.domain.errors import MicropayError
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import CredentialsView
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import Event
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.provider import AttemptOutcome
from micropay.domain.model.public_intent import PublicPaymentIntent, public_intent
from micropay.domain.use_cases.api_keys import Authenticate, CreateMerchant, IssuedKey, MerchantCreated, RollApiKey
from micropay.domain.use_cases.cancel_intent import CancelPaymentIntent
from micropay.domain.use_cases.confirm_intent import ConfirmPaymentIntent
from micropay.domain.use_cases.create_and_confirm import CreateAndConfirm
from micropay.domain.use_cases.create_intent import CreateIntentCommand
from micropay.domain.use_cases.credentials import DeleteCredentials, GetCredentials, SetCredentials
from micropay.domain.use_cases.events import CreatedRange, GetEvent, ListEvents, ListIntentEvents
from micropay.domain.use_cases.handle_callback import HandleCallback
from micropay.domain.use_cases.queries import GetPaymentIntent, ListAttempts, ListPaymentIntents
from micropay.domain.use_cases.reconcile_intent import ReconcilePaymentIntent
from micropay.entrypoints.container import make_container
from micropay.entrypoints.settings import Settings
from micropay.ports.event_repository import EventPage
from micropay.ports.intent_repository import IntentPageQuery

T = TypeVar("T")


class ConfirmFailed(MicropayError):
    """``create_payment_intent(confirm=True)`` created the intent but its confirm failed (``cause``)."""

    def __init__(self, cause: MicropayError, payment_intent: PublicPaymentIntent) -> None:
        super().__init__(f"The PaymentIntent {payment_intent.id} was created, but confirming it failed: {cause}")
        self.code = cause.code
        self.cause = cause
        self.payment_intent = payment_intent


class Micropay:
    """Every merchant-facing operation; ``tenant`` is ``(await authenticate(secret_key))`` or a ``Tenant``."""

    def __init__(self, container: AsyncContainer) -> None:
        self._container = container

    async def _use(self, kind: type[T]) -> T:
        # use cases are stateless and REQUEST-scoped: one short scope per call, closed before returning
        async with self._container() as scope:
            return await scope.get(kind)

    async def create_merchant(self, name: str, email: str | None = None) -> MerchantCreated:
        return await (await self._use(CreateMerchant))(name, email)

    async def authenticate(self, api_key: str) -> Tenant:
        """The merchant and environment a secret key acts on (``AuthenticationFailed`` otherwise)."""
        return (await (await self._use(Authenticate))(api_key)).tenant

    async def roll_api_key(self, tenant: Tenant, key_type: str, expires_in: int | None = None) -> IssuedKey:
        return await (await self._use(RollApiKey))(tenant, key_type, expires_in)

    async def create_payment_intent(
        self,
        tenant: Tenant,
        *,
        amount: int,
        currency: str = "kes",
        phone_number: str | None = None,
        account_reference: str | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        confirm: bool = False,
    ) -> PublicPaymentIntent:
        """The new intent with its ``client_secret`` (shown once). With ``confirm``, the STK push is sent
        too; if that step fails the intent still exists and ``ConfirmFailed`` carries it."""
        command = CreateIntentCommand(
            amount=amount,
            currency=currency,
            phone_number=phone_number,
            account_reference=account_reference,
            description=description,
            metadata=metadata,
        )
        result = await (await self._use(CreateAndConfirm))(tenant, command, confirm=confirm)
        intent = public_intent(result.intent, client_secret=result.client_secret)
        if result.error is not None:
            raise ConfirmFailed(result.error, intent)
        return intent

    async def retrieve_payment_intent(self, tenant: Tenant, intent_id: str) -> PublicPaymentIntent:
        return public_intent(await (await self._use(GetPaymentIntent))(tenant, intent_id))

    async def list_payment_intents(
        self,
        tenant: Tenant,
        *,
        limit: int = 10,
        starting_after: str | None = None,
        ending_before: str | None = None,
        status: str | None = None,
    ) -> tuple[list[PublicPaymentIntent], bool]:
        """A page newest first and whether there are more."""
        query = IntentPageQuery(
            limit=limit,
            starting_after=starting_after,
            ending_before=ending_before,
            status=IntentStatus(status) if status is not None else None,
        )
        page = await (await self._use(ListPaymentIntents))(tenant, query)
        return [public_intent(intent) for intent in page.data], page.has_more

    async def confirm_payment_intent(
        self, tenant: Tenant, intent_id: str, *, phone_number: str | None = None
    ) -> PublicPaymentIntent:
        confirm = await self._use(ConfirmPaymentIntent)
        return public_intent(await confirm(tenant, intent_id, phone_number=phone_number))

    async def cancel_payment_intent(
        self, tenant: Tenant, intent_id: str, *, reason: str | None = None
    ) -> PublicPaymentIntent:
        return public_intent(await (await self._use(CancelPaymentIntent))(tenant, intent_id, reason=reason))

    async def reconcile_payment_intent(self, tenant: Tenant, intent_id: str) -> PublicPaymentIntent:
        return public_intent(await (await self._use(ReconcilePaymentIntent))(tenant, intent_id))

    async def list_attempts(
        self, tenant: Tenant, intent_id: str, *, limit: int = 100, starting_after: str | None = None
    ) -> tuple[list[ProviderAttempt], bool]:
        return await (await self._use(ListAttempts))(tenant, intent_id, limit=limit, starting_after=starting_after)

    async def list_events(
        self,
        tenant: Tenant,
        *,
        limit: int = 10,
        starting_after: str | None = None,
        ending_before: str | None = None,
        type: str | None = None,
        types: Sequence[str] = (),
        created_gte: int | None = None,
        created_gt: int | None = None,
        created_lte: int | None = None,
        created_lt: int | None = None,
    ) -> EventPage:
        return await (await self._use(ListEvents))(
            tenant,
            limit=limit,
            starting_after=starting_after,
            ending_before=ending_before,
            type=type,
            types=types,
            created=CreatedRange(gte=created_gte, gt=created_gt, lte=created_lte, lt=created_lt),
        )

    async def retrieve_event(self, tenant: Tenant, event_id: str) -> Event:
        return await (await self._use(GetEvent))(tenant, event_id)

    async def list_payment_intent_events(self, tenant: Tenant, intent_id: str, *, limit: int = 100) -> EventPage:
        return await (await self._use(ListIntentEvents))(tenant, intent_id, limit=limit)

    async def handle_callback(self, token: str, body: Any) -> AttemptOutcome:
        """A Daraja callback your own route received at ``/webhooks/mpesa/{token}`` (decoded JSON body)."""
        return await (await self._use(HandleCallback))(token, body)

    async def set_credentials(
        self,
        tenant: Tenant,
        *,
        consumer_key: str,
        consumer_secret: str,
        business_short_code: str,
        passkey: str,
        transaction_type: str,
        party_b: str | None = None,
    ) -> CredentialsView:
        payload: dict[str, Any] = {
            "consumer_key": consumer_key,
            "consumer_secret": consumer_secret,
            "business_short_code": business_short_code,
            "passkey": passkey,
            "transaction_type": transaction_type,
            "party_b": party_b,
        }
        return await (await self._use(SetCredentials))(tenant, payload)

    async def get_credentials(self, tenant: Tenant) -> CredentialsView:
        return await (await self._use(GetCredentials))(tenant)

    async def delete_credentials(self, tenant: Tenant) -> CredentialsView:
        return await (await self._use(DeleteCredentials))(tenant)


@asynccontextmanager
async def embedded(settings: Settings | None = None, *overrides: Provider) -> AsyncIterator[Micropay]:
    """Open Micropay for the duration of the block; the engine and HTTP client close when it ends.

    ``settings`` defaults to the environment (``MICROPAY_*``, ``.env``); ``overrides`` are dishka providers
    that replace adapters (a fake gateway in your tests, for example). Run ``micropay db upgrade`` first.
    """
    container = make_container(settings or Settings.from_env(), *overrides)
    try:
        yield Micropay(container)
    finally:
        await container.close()
