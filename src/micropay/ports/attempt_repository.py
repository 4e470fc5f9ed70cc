from __future__ import annotations

from typing import Protocol

from micropay.domain.model.attempt import ProviderAttempt


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
