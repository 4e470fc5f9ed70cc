"""Create a PaymentIntent and, when asked, confirm it in the same call (``confirm: true``)."""

from __future__ import annotations

from dataclasses import dataclass

from micropay.domain.errors import IntentUnexpectedState, MicropayError
from micropay.domain.model.environment import Tenant
from micropay.domain.model.events import EventRequest
from micropay.domain.model.idempotency import IdempotencyClaim
from micropay.domain.model.intent import IntentStatus, PaymentIntent
from micropay.domain.use_cases._support import load_intent
from micropay.domain.use_cases.confirm_intent import ConfirmPaymentIntent
from micropay.domain.use_cases.create_intent import CreatedIntent, CreateIntentCommand, CreatePaymentIntent
from micropay.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class CreateAndConfirmResult:
    """The intent as the call leaves it, its client secret, and the confirm step's error if it failed."""

    created: CreatedIntent
    intent: PaymentIntent
    error: MicropayError | None = None

    @property
    def client_secret(self) -> str:
        return self.created.client_secret

    @property
    def something_was_done(self) -> bool:
        """Always: an intent exists now, so even an error answer must be kept for the key's retries."""
        return True


def _never_confirmed(intent: PaymentIntent) -> bool:
    return intent.status is IntentStatus.REQUIRES_PAYMENT_METHOD and intent.attempt_count == 0


class CreateAndConfirm:
    """``POST /v1/payment_intents`` with or without ``confirm``, the same rules in-process (embedding).

    Rules:
    - the intent is created first (``CreatePaymentIntent``: the Idempotency-Key is bound to it in its
      transaction); a failure of the confirm step (Daraja unavailable, say) is returned with the intent, which
      exists anyway;
    - a retry with the key of a request whose answer was lost (the process died) resumes that intent: it is
      confirmed only if that request never got to claim it (no push can have left); otherwise it is answered
      as it is now, never pushed a second time;
    - a resumed confirm that loses the claim to the original request (still running past its lease) answers
      the intent as that request leaves it.
    """

    def __init__(self, uow: UnitOfWorkFactory, create: CreatePaymentIntent, confirm: ConfirmPaymentIntent) -> None:
        self._uow = uow
        self._create = create
        self._confirm = confirm

    async def __call__(
        self,
        tenant: Tenant,
        command: CreateIntentCommand,
        *,
        confirm: bool = False,
        request: EventRequest | None = None,
        idempotency: IdempotencyClaim | None = None,
    ) -> CreateAndConfirmResult:
        created = await self._create(tenant, command, request=request, idempotency=idempotency)
        intent = created.intent
        if not confirm or (created.resumed and not _never_confirmed(intent)):
            return CreateAndConfirmResult(created=created, intent=intent)
        try:
            confirmed = await self._confirm(tenant, intent.id, request=request)
        except IntentUnexpectedState as exc:
            if not created.resumed:
                return CreateAndConfirmResult(created=created, intent=intent, error=exc)
            async with self._uow(tenant) as uow:
                return CreateAndConfirmResult(created=created, intent=await load_intent(uow, intent.id))
        except MicropayError as exc:
            return CreateAndConfirmResult(created=created, intent=intent, error=exc)
        return CreateAndConfirmResult(created=created, intent=confirmed)
