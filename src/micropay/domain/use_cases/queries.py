"""Read-only use cases: retrieve and list intents, and an intent's provider log."""

from __future__ import annotations

from typing import Final

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.environment import Tenant
from micropay.domain.model.ids import INTENT_PREFIX, is_valid_id
from micropay.domain.model.intent import PaymentIntent
from micropay.domain.use_cases._support import load_intent
from micropay.ports.intent_repository import IntentPage, IntentPageQuery
from micropay.ports.unit_of_work import UnitOfWorkFactory

LIMIT_MIN: Final = 1
LIMIT_MAX: Final = 100


def check_limit(limit: int) -> int:
    if not LIMIT_MIN <= limit <= LIMIT_MAX:
        raise InvalidParameter("limit", f"limit must be between {LIMIT_MIN} and {LIMIT_MAX}.")
    return limit


class GetPaymentIntent:
    """The tenant's intent; with a ``client_secret`` (publishable-key access) it must match, else 404."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant: Tenant, intent_id: str, *, client_secret: str | None = None) -> PaymentIntent:
        async with self._uow(tenant) as uow:
            return await load_intent(uow, intent_id, client_secret)


class ListPaymentIntents:
    """Newest first, cursor-paged (``starting_after`` xor ``ending_before``), optionally by status."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, tenant: Tenant, query: IntentPageQuery) -> IntentPage:
        check_limit(query.limit)
        if query.starting_after is not None and query.ending_before is not None:
            raise InvalidParameter("ending_before", "Use either starting_after or ending_before, not both.")
        for name, cursor in (("starting_after", query.starting_after), ("ending_before", query.ending_before)):
            if cursor is not None and not is_valid_id(cursor, INTENT_PREFIX):
                raise InvalidParameter(name, f"{name} must be a PaymentIntent id (pi_...).")
        async with self._uow(tenant) as uow:
            return await uow.intents.list_page(query)


class ListAttempts:
    """An intent's provider log, oldest first; ``ResourceMissing`` when the intent is not the tenant's."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, tenant: Tenant, intent_id: str, *, limit: int = 100, starting_after: str | None = None
    ) -> tuple[list[ProviderAttempt], bool]:
        check_limit(limit)
        async with self._uow(tenant) as uow:
            await load_intent(uow, intent_id)
            return await uow.attempts.list_for_intent(intent_id, limit=limit, starting_after=starting_after)
