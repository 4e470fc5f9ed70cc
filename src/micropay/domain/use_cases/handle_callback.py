from __future__ import annotations

import logging
import re
from typing import Any

from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model import state_machine
from micropay.domain.model.attempt import ProviderAttempt
from micropay.domain.model.ids import ATTEMPT_PREFIX
from micropay.domain.model.provider import AttemptOutcome, PaymentResult
from micropay.domain.model.redaction import TOKEN_HINT_LENGTH
from micropay.domain.use_cases._events import record_events, save_transition
from micropay.domain.use_cases._support import retry_on_conflict, warn_unexpected_payment
from micropay.ports.callback_parser import CallbackParser, MalformedCallback
from micropay.ports.callback_tokens import CallbackTokenIssuer
from micropay.ports.clock import Clock
from micropay.ports.errors import ConcurrentUpdate
from micropay.ports.id_generator import IdGenerator
from micropay.ports.tenant_directory import CallbackRoute, TenantDirectory
from micropay.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

_HINT_UNSAFE = re.compile(r"[^0-9A-Za-z]")  # real tokens are base62; keep anything else out of storage


class CallbackMismatch(InvalidParameter):
    """The callback's CheckoutRequestID is not the one of the push its token was issued for."""

    def __init__(self) -> None:
        super().__init__(
            "CheckoutRequestID", "The CheckoutRequestID does not match this callback URL's payment attempt."
        )


class HandleCallback:
    """Apply a Daraja STK callback to its intent, idempotently.

    Rules:
    - the URL token authenticates the callback and names the push it belongs to; an unknown token is
      ``ResourceMissing`` (404) and the body is still kept (unmatched callbacks);
    - every callback is stored raw in the provider log before anything else, in the transaction that applies
      it, the application inside a savepoint: a failed application is rolled back alone and the raw row is
      committed all the same (a body that cannot be parsed, a mismatch, a lost race, a storage error);
    - a body we cannot read is ``MalformedCallback`` (400); a CheckoutRequestID other than the push's is
      ``CallbackMismatch`` (400); when the push's answer was lost the callback fills the id in;
    - the result goes through ``state_machine.apply_result``: duplicates change nothing, a success for
      another amount is refused and flagged ``amount_mismatch``, the first money that moved wins (a success
      for a superseded attempt settles the intent), a success it cannot absorb is an ``unexpected_payment``
      (logged at WARNING, with its event); a failure for a superseded attempt changes nothing;
    - a push row whose answer was never recorded (its confirm died) gets ``accepted``: Daraja called back;
    - concurrent duplicates race on the intent's version: exactly one applies, the others see a duplicate;
    - the change and its event (``succeeded`` / ``payment_failed``; ``amount_mismatch`` for a refused success)
      are written in the transaction that records the callback's outcome; callback events carry no ``request``.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        directory: TenantDirectory,
        parser: CallbackParser,
        tokens: CallbackTokenIssuer,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._directory = directory
        self._parser = parser
        self._tokens = tokens
        self._clock = clock
        self._ids = ids

    async def __call__(self, token: str, body: Any) -> AttemptOutcome:
        now = int(self._clock.now())
        route = await self._directory.route_callback(self._tokens.hash(token))
        if route is None:
            hint = _HINT_UNSAFE.sub("?", token[:TOKEN_HINT_LENGTH])
            await self._directory.record_unroutable_callback(hint, body, now)
            raise ResourceMissing("callback", f"{hint}…", param="token")
        row = ProviderAttempt.callback(
            attempt_id=self._ids.new_id(ATTEMPT_PREFIX),
            intent_id=route.intent_id,
            tenant=route.tenant,
            push_id=route.push_id,
            body=body,
            now=now,
        )
        try:
            result = self._parser.parse(body)
        except MalformedCallback:
            await self._record(route, row.with_exchange(AttemptOutcome.INVALID, now=now))
            raise
        applied = await self._record_and_apply(route, row, result)
        if applied is not None:
            return applied
        return await retry_on_conflict(lambda: self._apply(route, row, result))

    async def _record_and_apply(
        self, route: CallbackRoute, row: ProviderAttempt, result: PaymentResult
    ) -> AttemptOutcome | None:
        """The raw row and its application in one transaction, the application inside a savepoint: if applying
        fails, only the application is rolled back and the raw row is committed alone (then the error is
        raised). ``None``: the application lost a race, the raw row is stored; apply again (``_apply``)."""
        lost_race = False
        async with self._uow(route.tenant) as uow:
            await uow.attempts.add(row)
            try:
                async with uow.savepoint():
                    application = await self._apply_in(uow, route, row, result)
            except ConcurrentUpdate:
                lost_race = True
            except CallbackMismatch:
                await uow.attempts.update(row.with_exchange(AttemptOutcome.INVALID, now=int(self._clock.now())))
                await uow.commit()
                raise
            except BaseException:
                await _commit_quietly(uow)  # the raw row survives; the original error is the one to report
                raise
            try:
                await uow.commit()
            except ConcurrentUpdate:  # a database that decides races at commit: nothing was stored
                await self._record(route, row)
                return None
        if lost_race:
            return None
        self._after_apply(route, row, application)
        return application.outcome

    async def _record(self, route: CallbackRoute, row: ProviderAttempt) -> None:
        """The raw callback row alone, in its own transaction."""
        async with self._uow(route.tenant) as uow:
            await uow.attempts.add(row)
            await uow.commit()

    async def _apply(self, route: CallbackRoute, row: ProviderAttempt, result: PaymentResult) -> AttemptOutcome:
        """Apply to a raw row stored already (after a lost race), in a transaction of its own."""
        async with self._uow(route.tenant) as uow:
            try:
                application = await self._apply_in(uow, route, row, result)
            except CallbackMismatch:
                await uow.attempts.update(row.with_exchange(AttemptOutcome.INVALID, now=int(self._clock.now())))
                await uow.commit()
                raise
            await uow.commit()
        self._after_apply(route, row, application)
        return application.outcome

    async def _apply_in(
        self, uow: UnitOfWork, route: CallbackRoute, row: ProviderAttempt, result: PaymentResult
    ) -> state_machine.ResultApplication:
        """Load -> decide (``apply_result``) -> write, in ``uow``; the caller commits."""
        now = int(self._clock.now())
        push = await uow.attempts.get(route.push_id)
        intent = await uow.intents.get(route.intent_id)
        if push is None or intent is None:  # the route came from these rows: only a deleted row gets here
            raise ResourceMissing("payment_intent", route.intent_id)
        expected = push.checkout_request_id
        if expected is not None and result.checkout_request_id not in (None, expected):
            raise CallbackMismatch
        application = state_machine.apply_result(intent, attempt_id=route.push_id, result=result, now=now)
        if application.changed:
            await save_transition(uow, application.intent, application.events, ids=self._ids, request=None)
        else:
            await record_events(uow, application.intent, application.events, ids=self._ids, request=None)
        if expected is None and result.checkout_request_id is not None:
            await uow.attempts.link_checkout_request(push.id, result.checkout_request_id, now)
        if push.outcome is None:  # its confirm died before recording Daraja's answer: a callback proves it
            await uow.attempts.fill_outcome(push.id, AttemptOutcome.ACCEPTED, now)
        await uow.attempts.update(
            row.with_exchange(application.outcome, checkout_request_id=result.checkout_request_id or expected, now=now)
        )
        return application

    def _after_apply(
        self, route: CallbackRoute, row: ProviderAttempt, application: state_machine.ResultApplication
    ) -> None:
        """After the commit: the loud warnings (an unexpected payment, a refused amount)."""
        warn_unexpected_payment(log, application, "callback for intent")
        if application.outcome is AttemptOutcome.AMOUNT_MISMATCH:
            log.warning(
                "success callback refused: amount differs from the intent's",
                extra={"intent_id": route.intent_id, "attempt_id": route.push_id, "callback_id": row.id},
            )


async def _commit_quietly(uow: UnitOfWork) -> None:
    """Commit what is left of the transaction after a failed savepoint; the first error is the one to report."""
    try:
        await uow.commit()
    except Exception:  # e.g. the database went away: the apply's own error is raised instead
        log.warning("callback: the raw row could not be committed after a failed apply")
