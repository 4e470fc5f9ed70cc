from __future__ import annotations

import logging

import msgspec

from micropay.domain.errors import CredentialsMissing
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import IntentStatus
from micropay.domain.use_cases.reconcile_intent import ReconcilePaymentIntent
from micropay.ports.clock import Clock
from micropay.ports.daraja_gateway import CircuitOpen, ProviderConfigurationError, ProviderUnavailable
from micropay.ports.errors import ConcurrentUpdate, StorageUnavailable
from micropay.ports.tenant_directory import TenantDirectory
from micropay.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

#: Failures that concern one intent (or its merchant's setup): counted, logged, and the pass goes on.
_PER_INTENT_FAILURES = (
    ProviderUnavailable,
    ProviderConfigurationError,
    StorageUnavailable,
    CredentialsMissing,
    ConcurrentUpdate,
)


class ReconcileReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one pass did. ``checked`` = ``settled`` + ``still_processing`` + ``failed_calls``."""

    checked: int = 0
    settled: int = 0  # no longer processing afterwards (succeeded, failed or expired)
    still_processing: int = 0  # Daraja says it is still processing, or the lost answer is not old enough
    failed_calls: int = 0  # Daraja unavailable or refusing the setup, storage down, no credentials
    skipped: int = 0  # not tried this pass: their merchant's circuit to Daraja is open
    leased_elsewhere: int = 0  # not tried: another process (or pass) took its lease since it was listed


class ReconcileStuckPayments:
    """One pass of the automatic reconciliation: settle the ``processing`` intents whose callback never came.

    Rules:
    - candidates are the intents of every tenant in ``processing`` neither updated nor asked about for
      ``older_than`` seconds, least recently active first, at most ``limit`` per pass (the tenant directory
      lists them: ids only). An intent Daraja calls still processing, or whose query failed, is marked as
      asked, so it goes to the back of the queue and waits ``older_than`` seconds: with more such intents
      than ``limit``, successive passes still reach every one;
    - each goes through ``ReconcilePaymentIntent``, so every rule of a merchant's own reconcile applies: a
      final answer settles it as a callback would, "still processing" changes nothing, a lost push answer
      expires once it is old enough, and every query is written to the provider log;
    - a failure for one intent (Daraja unavailable or refusing the setup, storage down, no credentials, a
      lost version race) is counted and logged, without any secret, and the pass goes on;
    - once Daraja's circuit is open for a tenant, that tenant's remaining intents are skipped in this pass
      (each call would fail fast and only add a log row); circuits are per credentials (shortcode and
      consumer key), so other merchants' intents are still tried. With one merchant that ends the pass;
    - before asking Daraja it takes the intent's lease (``IntentRepository.claim_reconcile``, a
      compare-and-swap on ``reconciled_at``, committed on its own): across any number of processes each
      stuck intent is queried at most once per ``older_than``; one whose lease another process took since
      the listing is counted ``leased_elsewhere`` and left alone. A process killed while it holds a lease
      blocks nothing for long: the lease is a timestamp and ages out after ``older_than``;
    - a settled intent is a no-op for the next caller and every transition is version-checked.
    """

    def __init__(
        self, directory: TenantDirectory, reconcile: ReconcilePaymentIntent, clock: Clock, uow: UnitOfWorkFactory
    ) -> None:
        self._directory = directory
        self._reconcile = reconcile
        self._clock = clock
        self._uow = uow

    async def __call__(self, *, older_than: int = 60, limit: int = 100) -> ReconcileReport:
        cutoff = int(self._clock.now()) - max(older_than, 0)
        stuck = await self._directory.stuck_intents(updated_before=cutoff, limit=limit)
        settled = still_processing = failed_calls = skipped = leased_elsewhere = 0
        circuit_open: set[Tenant] = set()
        for candidate in stuck:
            tenant = candidate.tenant
            if tenant in circuit_open:
                skipped += 1
                continue
            try:
                if not await self._claim(tenant, candidate.intent_id, cutoff):
                    leased_elsewhere += 1
                    continue
                intent = await self._reconcile(tenant, candidate.intent_id)
            except _PER_INTENT_FAILURES as exc:
                failed_calls += 1
                log.warning(
                    "automatic reconcile of %s (%s, %s) failed: %s",
                    candidate.intent_id,
                    tenant.merchant_id,
                    tenant.environment.value,
                    exc.code,
                )
                if isinstance(exc, CircuitOpen):
                    circuit_open.add(tenant)
                continue
            if intent.status is IntentStatus.PROCESSING:
                still_processing += 1
            else:
                settled += 1
        return ReconcileReport(
            checked=settled + still_processing + failed_calls,
            settled=settled,
            still_processing=still_processing,
            failed_calls=failed_calls,
            skipped=skipped,
            leased_elsewhere=leased_elsewhere,
        )

    async def _claim(self, tenant: Tenant, intent_id: str, cutoff: int) -> bool:
        async with self._uow(tenant) as uow:
            won = await uow.intents.claim_reconcile(intent_id, active_before=cutoff, at=int(self._clock.now()))
            await uow.commit()
        return won
