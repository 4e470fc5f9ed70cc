from __future__ import annotations

from typing import Any

import msgspec

from micropay.domain.model import fields, idempotency, state_machine
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import EventRequest
from micropay.domain.model.idempotency import IdempotencyBinding, IdempotencyClaim
from micropay.domain.model.ids import INTENT_PREFIX
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.money import Money
from micropay.domain.model.msisdn import Msisdn
from micropay.domain.model.redaction import redacted_fields, redacted_repr
from micropay.domain.use_cases._events import save_transition
from micropay.domain.use_cases._support import CLIENT_SECRET_LENGTH, hash_secret, load_intent
from micropay.ports.clock import Clock
from micropay.ports.credential_vault import CredentialVault, Sealed
from micropay.ports.id_generator import IdGenerator
from micropay.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


class CreateIntentCommand(msgspec.Struct, frozen=True, kw_only=True):
    """Raw caller input; every field is validated by the use case, not trusted."""

    amount: int
    currency: str
    phone_number: str | None = None
    account_reference: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None


class CreatedIntent(msgspec.Struct, frozen=True, kw_only=True):
    intent: PaymentIntent
    client_secret: str  # returned once; only its hash is stored
    #: True when an earlier request with the same Idempotency-Key had created it (that one's answer was lost)
    resumed: bool = False

    def __repr__(self) -> str:
        return redacted_repr(self, ("client_secret",))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("client_secret",))


class CreatePaymentIntent:
    """Create a PaymentIntent in ``requires_payment_method``.

    Rules: amount is KES minor units, a multiple of 100 from 100 to 25,000,000; only ``kes``; the phone
    number, when given, is normalised to 12 digits; ``account_reference`` is 1-12 alphanumerics (derived
    from the id when absent); description <= 100 characters; metadata <= 50 string pairs. The client
    secret is returned once and stored only as a hash. The intent and its ``payment_intent.created`` event
    are written in one transaction; ``request`` is the API request it came from, if any.

    With an ``idempotency`` claim, the key is bound to the new intent (and its client secret, sealed) in that
    same transaction: however the process dies afterwards, a retry with the key finds this intent and gets it
    back (``resumed``) with the same client secret, never a second intent.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, vault: CredentialVault) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._vault = vault

    async def __call__(
        self,
        tenant: Tenant,
        command: CreateIntentCommand,
        *,
        request: EventRequest | None = None,
        idempotency: IdempotencyClaim | None = None,
    ) -> CreatedIntent:
        money = Money.kes(command.amount, command.currency)
        phone = Msisdn.parse(command.phone_number) if command.phone_number is not None else None
        description = fields.description(command.description)
        metadata = fields.metadata(command.metadata)
        intent_id = self._ids.new_id(INTENT_PREFIX)
        reference = (
            fields.account_reference(command.account_reference)
            if command.account_reference is not None
            else fields.default_account_reference(intent_id)
        )
        client_secret = f"{intent_id}_secret_{self._ids.new_secret(CLIENT_SECRET_LENGTH)}"
        intent, events = state_machine.create(
            intent_id=intent_id,
            tenant=tenant,
            money=money,
            phone=phone,
            account_reference=reference,
            description=description,
            metadata=metadata,
            secret_hash=hash_secret(client_secret),
            now=int(self._clock.now()),
        )
        async with self._uow(tenant) as uow:
            if idempotency is not None:
                bound = await uow.idempotency.bound(idempotency)
                if bound is not None:
                    return await self._resume(uow, tenant, idempotency, bound)
                sealed = self._vault.seal(client_secret.encode(), self._aad(tenant, idempotency))
                binding = IdempotencyBinding(object_id=intent.id, sealed_secret=msgspec.json.encode(sealed))
                await uow.idempotency.bind(idempotency, binding)
            await save_transition(uow, intent, events, ids=self._ids, request=request, new=True)
            await uow.commit()
        return CreatedIntent(intent=intent, client_secret=client_secret)

    async def _resume(
        self, uow: UnitOfWork, tenant: Tenant, claim: IdempotencyClaim, bound: IdempotencyBinding
    ) -> CreatedIntent:
        intent = await load_intent(uow, bound.object_id)
        if bound.sealed_secret is None:  # pragma: no cover - a create always seals its secret with the binding
            raise ValueError("A create's idempotency binding carries its sealed client secret.")
        sealed = msgspec.json.decode(bound.sealed_secret, type=Sealed)
        secret = self._vault.open(sealed, self._aad(tenant, claim)).decode()
        return CreatedIntent(intent=intent, client_secret=secret, resumed=True)

    @staticmethod
    def _aad(tenant: Tenant, claim: IdempotencyClaim) -> bytes:
        return idempotency.secret_associated_data(tenant.merchant_id, tenant.environment.value, claim.key)
