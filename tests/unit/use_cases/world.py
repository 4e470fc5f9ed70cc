"""Every use case wired on the fakes, plus the few helpers the tests share (builders, state lookups)."""

from __future__ import annotations

from typing import Any

from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.credentials import DarajaCredentials, TransactionType
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.events import Event, EventRequest
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.provider import AttemptKind
from micropay.domain.use_cases.api_keys import Authenticate, CreateMerchant, RollApiKey
from micropay.domain.use_cases.cancel_intent import CancelPaymentIntent
from micropay.domain.use_cases.confirm_intent import ConfirmPaymentIntent
from micropay.domain.use_cases.create_and_confirm import CreateAndConfirm
from micropay.domain.use_cases.create_intent import CreatedIntent, CreateIntentCommand, CreatePaymentIntent
from micropay.domain.use_cases.credentials import (
    CredentialResolver,
    DeleteCredentials,
    GetCredentials,
    RotateVaultKeys,
    SetCredentials,
)
from micropay.domain.use_cases.handle_callback import HandleCallback
from micropay.domain.use_cases.queries import GetPaymentIntent, ListAttempts, ListPaymentIntents
from micropay.domain.use_cases.reconcile_intent import ReconcilePaymentIntent
from micropay.ports.unit_of_work import UnitOfWorkFactory
from tests.fakes import (
    FakeCallbackParser,
    FakeCallbackTokens,
    FakeClock,
    FakeTenantDirectory,
    FakeVault,
    InMemoryDatabase,
    SequentialIdGenerator,
)
from tests.fakes.extra_gateway import GatedDarajaGateway
from tests.fakes.extra_unit_of_work import ExtraUnitOfWorkFactory

MERCHANT = "acct_000000000000000000000001"
OTHER_MERCHANT = "acct_000000000000000000000002"
SANDBOX = Tenant(merchant_id=MERCHANT, environment=Environment.SANDBOX)
PRODUCTION = Tenant(merchant_id=MERCHANT, environment=Environment.PRODUCTION)
OTHER_SANDBOX = Tenant(merchant_id=OTHER_MERCHANT, environment=Environment.SANDBOX)

PHONE = "254712345678"

DEFAULT_SANDBOX = DarajaCredentials(
    consumer_key="default-consumer-key",
    consumer_secret="default-consumer-secret",
    business_short_code="174379",
    passkey="default-passkey",
    transaction_type=TransactionType.PAYBILL,
)

MERCHANT_PAYLOAD: dict[str, Any] = {
    "consumer_key": "merchant-consumer-key-WXYZ",
    "consumer_secret": "merchant-consumer-secret",
    "business_short_code": "600123",
    "passkey": "merchant-passkey-value",
    "transaction_type": "CustomerBuyGoodsOnline",
    "party_b": "5550001",
}


class World:
    """The fakes and the use cases built on them.

    ``interleaving=True`` uses the unit of work that yields to the event loop at its boundaries, so that
    use cases run with ``asyncio.gather`` really overlap; ``default_sandbox=False`` configures no default
    sandbox credentials on the server.
    """

    def __init__(self, *, interleaving: bool = False, default_sandbox: bool = True) -> None:
        self.db = InMemoryDatabase()
        self.clock = FakeClock()
        self.ids = SequentialIdGenerator(self.clock)
        self.uow_factory = ExtraUnitOfWorkFactory(self.db, interleaving=interleaving)
        self.uow: UnitOfWorkFactory = self.uow_factory
        self.directory = FakeTenantDirectory(self.db)
        self.vault = FakeVault()
        self.tokens = FakeCallbackTokens()
        self.gateway = GatedDarajaGateway()
        self.parser = FakeCallbackParser()
        self.resolver = CredentialResolver(self.vault, DEFAULT_SANDBOX if default_sandbox else None)

        self.create_intent = CreatePaymentIntent(self.uow, self.clock, self.ids, self.vault)
        self.confirm = ConfirmPaymentIntent(self.uow, self.gateway, self.resolver, self.tokens, self.clock, self.ids)
        self.create_and_confirm = CreateAndConfirm(self.uow, self.create_intent, self.confirm)
        self.handle_callback = HandleCallback(self.uow, self.directory, self.parser, self.tokens, self.clock, self.ids)
        self.reconcile = ReconcilePaymentIntent(self.uow, self.gateway, self.resolver, self.clock, self.ids)
        self.cancel = CancelPaymentIntent(self.uow, self.clock, self.ids)
        self.get_intent = GetPaymentIntent(self.uow)
        self.list_intents = ListPaymentIntents(self.uow)
        self.list_attempts = ListAttempts(self.uow)
        self.set_credentials = SetCredentials(self.uow, self.vault, self.clock)
        self.get_credentials = GetCredentials(self.uow)
        self.delete_credentials = DeleteCredentials(self.uow)
        self.rotate = RotateVaultKeys(self.uow, self.directory, self.vault)
        self.authenticate = Authenticate(self.directory, self.clock)
        self.create_merchant = CreateMerchant(self.uow, self.clock, self.ids)
        self.roll_key = RollApiKey(self.uow, self.clock, self.ids)

    async def new_intent(
        self, tenant: Tenant = SANDBOX, *, request: EventRequest | None = None, **fields: Any
    ) -> CreatedIntent:
        command = CreateIntentCommand(**{"amount": 150_000, "currency": "kes", "phone_number": PHONE, **fields})
        return await self.create_intent(tenant, command, request=request)

    def intent(self, intent_id: str) -> PaymentIntent:
        return self.db.intents[intent_id]

    def events(self, intent_id: str | None = None) -> list[Event]:
        """Committed events, oldest first (all tenants), only ``intent_id``'s when given."""
        return [e for _, e in self.db.events if intent_id in (None, e.intent_id)]

    def event_types(self, intent_id: str | None = None) -> list[str]:
        return [e.type.value for e in self.events(intent_id)]

    def rows(self, intent_id: str, kind: AttemptKind | None = None) -> list[ProviderAttempt]:
        """The intent's provider log, oldest first (by creation time, then id)."""
        rows = [a for a in self.db.attempts.values() if a.intent_id == intent_id and kind in (None, a.kind)]
        return sorted(rows, key=lambda a: (a.created, a.id))

    def pushes(self, intent_id: str) -> list[ProviderAttempt]:
        return self.rows(intent_id, AttemptKind.STK_PUSH)

    def callbacks(self, intent_id: str) -> list[ProviderAttempt]:
        return self.rows(intent_id, AttemptKind.CALLBACK)

    def queries(self, intent_id: str) -> list[ProviderAttempt]:
        return self.rows(intent_id, AttemptKind.STK_QUERY)

    def token(self, push_number: int = 1) -> str:
        """The callback token of the ``push_number``-th push this world issued a token for (1-based)."""
        return self.tokens.issued[push_number - 1].token


def callback_body(
    checkout_request_id: str | None,
    result_code: int | str = 0,
    *,
    amount: float | None = 1500.0,
    receipt: str = "NLJ7RT61SV",
    transaction_date: int = 20260101031500,
    phone: int | str = 254712345678,
    merchant_request_id: str = "29115-34620561-1",
) -> dict[str, Any]:
    """A Daraja STK callback body as it arrives on the wire (success carries CallbackMetadata)."""
    callback: dict[str, Any] = {
        "MerchantRequestID": merchant_request_id,
        "ResultCode": result_code,
        "ResultDesc": "The service request is processed successfully." if result_code == 0 else "Declined.",
    }
    if checkout_request_id is not None:
        callback["CheckoutRequestID"] = checkout_request_id
    if result_code in (0, "0"):
        items: list[dict[str, Any]] = [
            {"Name": "MpesaReceiptNumber", "Value": receipt},
            {"Name": "Balance"},
            {"Name": "TransactionDate", "Value": transaction_date},
            {"Name": "PhoneNumber", "Value": phone},
        ]
        if amount is not None:
            items.insert(0, {"Name": "Amount", "Value": amount})
        callback["CallbackMetadata"] = {"Item": items}
    return {"Body": {"stkCallback": callback}}
