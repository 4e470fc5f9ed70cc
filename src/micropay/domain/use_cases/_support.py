"""Small helpers shared by the use cases (not a use case themselves)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from micropay.domain.errors import ResourceMissing
from micropay.domain.model.ids import INTENT_PREFIX, is_valid_id
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.model.state_machine import ResultApplication
from micropay.ports.errors import ConcurrentUpdate
from micropay.ports.unit_of_work import UnitOfWork

T = TypeVar("T")

#: How often a use case re-reads and re-decides after losing an optimistic-lock race.
MAX_RACE_RETRIES: Final = 5
CLIENT_SECRET_LENGTH: Final = 24


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_secret_matches(intent: PaymentIntent, client_secret: str) -> bool:
    """Constant-time check of a ``client_secret`` against the stored hash; it must also name this intent."""
    if not client_secret.startswith(f"{intent.id}_secret_"):
        return False
    return hmac.compare_digest(hash_secret(client_secret), intent.secret_hash)


async def load_intent(uow: UnitOfWork, intent_id: str, client_secret: str | None = None) -> PaymentIntent:
    """The tenant's intent, or ``ResourceMissing`` (also for a wrong client secret: never reveal existence).

    A string that is not an intent id at all is missing without asking the database (it may hold
    characters no database column can take, such as NUL).
    """
    if not is_valid_id(intent_id, INTENT_PREFIX):
        raise ResourceMissing("payment_intent", intent_id)
    intent = await uow.intents.get(intent_id)
    if intent is None or (client_secret is not None and not client_secret_matches(intent, client_secret)):
        raise ResourceMissing("payment_intent", intent_id)
    return intent


def warn_unexpected_payment(log: logging.Logger, application: ResultApplication, source: str) -> None:
    """Money moved that the intent cannot absorb: say so loudly (the merchant must refund it)."""
    for event in application.events:
        payment = event.unexpected_payment
        if payment is not None:
            log.warning(
                "unexpected payment on %s %s: attempt %s, receipt %s, amount %s; the merchant must refund it",
                source,
                event.intent_id,
                payment.attempt,
                payment.receipt_number,
                payment.amount,
                extra={"intent_id": event.intent_id, "attempt_id": payment.attempt},
            )


async def retry_on_conflict(operation: Callable[[], Awaitable[T]]) -> T:
    """Run a read-decide-write operation again when another writer won the race for the same row."""
    for _ in range(MAX_RACE_RETRIES - 1):
        try:
            return await operation()
        except ConcurrentUpdate:
            continue
    return await operation()
