from __future__ import annotations

from typing import Protocol

from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.provider import AttemptOutcome


class AttemptRepository(Protocol):
    """The provider log (``micropay_provider_attempts``) of the unit of work's tenant.

    Raises ``StorageUnavailable`` when the database fails.
    """

    async def add(self, attempt: ProviderAttempt) -> None: ...

    async def update(self, attempt: ProviderAttempt) -> None:
        """Overwrite outcome, request, response, http_status and updated of an existing row.

        ``request`` is included because a push row is added before the push is sent: the redacted request
        body is only known (from the gateway's ``Exchange``) when its outcome is recorded.
        ``checkout_request_id`` is only ever filled in: a None here keeps the stored one.
        """
        ...

    async def fill_outcome(self, attempt_id: str, outcome: AttemptOutcome, at: int) -> None:
        """Give a push row whose answer was never recorded (outcome NULL: its confirm died) the outcome the
        settlement proves (``accepted`` when Daraja answered for it, ``answer_lost`` when it expired).

        Touches only a NULL outcome (and ``updated``): a verdict the confirm recorded is never overwritten.
        """
        ...

    async def link_checkout_request(self, attempt_id: str, checkout_request_id: str, at: int) -> None:
        """Fill in a push row's CheckoutRequestID if it has none (a callback for a push whose answer was lost).

        Touches only that column (and ``updated``), so it cannot undo an outcome recorded concurrently by the
        confirm that sent the push.
        """
        ...

    async def get(self, attempt_id: str) -> ProviderAttempt | None: ...

    async def list_for_intent(
        self, intent_id: str, *, limit: int, starting_after: str | None = None
    ) -> tuple[list[ProviderAttempt], bool]:
        """Oldest first; returns the rows and whether more follow."""
        ...
