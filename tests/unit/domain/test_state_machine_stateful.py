"""Random walks through the PaymentIntent state machine, checking its invariants after every step.

Every move is tried whether or not it is legal. A model of the rules says which moves must be refused (and
with which error); a refused move must leave the previous intent exactly as it was, and usable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from micropay.domain.errors import IntentUnexpectedState, InvalidParameter
from micropay.domain.model import result_codes
from micropay.domain.model import state_machine as sm
from micropay.domain.model.events import EventType, IntentEvent
from micropay.domain.model.intent import CONFIRMABLE, PROMPT_TTL_SECONDS, IntentStatus, PaymentIntent
from micropay.domain.model.money import Money
from micropay.domain.model.msisdn import Msisdn
from micropay.domain.model.provider import AttemptOutcome, PaymentResult
from tests.unit.domain import builders as b

CODES = st.sampled_from(["0", "0", "0", "1", "17", "1032", "1037", "2001", "SFC_IC0003", "4999", "26"])
AMOUNTS = st.sampled_from(["none", "exact", "more", "less"])
CHECKOUTS = st.sampled_from(["none", "known", "other"])
ATTEMPTS = st.sampled_from(["current", "previous", "unknown"])
PHONES = st.sampled_from([None, "254712345678", "254110000001"])


class IntentWalk(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.intent = b.created()
        self.first = self.intent
        self.now = b.T0
        self.started: list[str] = []
        self.restore: PaymentIntent | None = None
        self.changes = 0
        self.successes = 0
        self.became_terminal: IntentStatus | None = None

    # --- moves -------------------------------------------------------------------------------------------

    @initialize(amount=st.integers(min_value=1, max_value=250_000), phone=PHONES)
    def create(self, amount: int, phone: str | None) -> None:
        intent, events = sm.create(
            intent_id=b.INTENT_ID,
            tenant=b.TENANT,
            money=Money.from_shillings(amount),
            phone=Msisdn(phone) if phone else None,
            account_reference="REF1",
            description=None,
            metadata={"k": "v"},
            secret_hash="h",
            now=self.now,
        )
        assert intent.version == 1
        assert [e.version for e in events] == [1]
        self.intent = self.first = intent

    @rule(seconds=st.integers(min_value=0, max_value=400))
    def tick(self, seconds: int) -> None:
        self.now += seconds

    @rule(phone=PHONES)
    def start_attempt(self, phone: str | None) -> None:
        attempt_id = f"pa_{len(self.started) + 1}"
        before = self.intent
        if before.status not in CONFIRMABLE:
            expected: type[Exception] | None = IntentUnexpectedState
        elif phone is None and before.phone_number is None:
            expected = InvalidParameter
        else:
            expected = None
        confirm_with = Msisdn(phone) if phone else None

        def move(intent: PaymentIntent) -> sm.Transition:
            return sm.start_attempt(intent, attempt_id=attempt_id, phone=confirm_with, now=self.now)

        if self._step(move, expected):
            self.started.append(attempt_id)
            self.restore = before
            assert self.intent.status is IntentStatus.PROCESSING
            assert self.intent.attempt_id == attempt_id
            assert self.intent.attempt_count == before.attempt_count + 1

    @rule(which=ATTEMPTS)
    def accept(self, which: str) -> None:
        attempt_id = self._attempt(which)
        checkout = f"ws_CO_{attempt_id}_{self.intent.version}"
        self._step(
            lambda i: sm.accept_attempt(
                i, attempt_id=attempt_id, checkout_request_id=checkout, merchant_request_id=None, now=self.now
            ),
            None if self._is_current_processing(attempt_id) else IntentUnexpectedState,
        )

    @rule(which=ATTEMPTS)
    def answer_lost(self, which: str) -> None:
        attempt_id = self._attempt(which)
        self._step(
            lambda i: sm.attempt_answer_lost(i, attempt_id=attempt_id, now=self.now),
            None if self._is_current_processing(attempt_id) else IntentUnexpectedState,
        )

    @rule(which=ATTEMPTS)
    def reject(self, which: str) -> None:
        attempt_id = self._attempt(which)
        if self._step(
            lambda i: sm.reject_attempt(i, attempt_id=attempt_id, error=b.rejection_error(), now=self.now),
            None if self._is_current_processing(attempt_id) else IntentUnexpectedState,
        ):
            assert self.intent.status is IntentStatus.FAILED

    @rule(which=ATTEMPTS, right_snapshot=st.booleans())
    def abandon(self, which: str, right_snapshot: bool) -> None:
        attempt_id = self._attempt(which)
        restore = self.restore if right_snapshot and self.restore is not None else self.intent
        current = self.intent
        legal = (
            self._is_current_processing(attempt_id)
            and restore.status in CONFIRMABLE
            and current.checkout_request_id is None
            and current.next_action_expires_at is None
        )
        if self._step(
            lambda i: sm.abandon_attempt(i, attempt_id=attempt_id, restore=restore, now=self.now),
            None if legal else IntentUnexpectedState,
        ):
            assert self.intent == msgspec.structs.replace(restore, version=current.version + 1)

    @rule(code=CODES, amount=AMOUNTS, checkout=CHECKOUTS, which=ATTEMPTS)
    def apply_result(self, code: str, amount: str, checkout: str, which: str) -> None:
        before = self.intent
        attempt_id = self._attempt(which)
        result = PaymentResult(
            result_code=code,
            checkout_request_id={"none": None, "known": before.checkout_request_id, "other": "ws_CO_other"}[checkout],
            amount={"none": None, "exact": before.amount, "more": before.amount + 100, "less": before.amount - 100}[
                amount
            ],
            receipt_number="NLJ7RT61SV" if code == "0" else None,
        )
        application = sm.apply_result(before, attempt_id=attempt_id, result=result, now=self.now)
        assert application.outcome is _expected_outcome(before, attempt_id, result)
        assert application.changed == (application.outcome is AttemptOutcome.APPLIED)
        if application.changed:
            self._changed(before, application.intent, application.events)
            success = result_codes.is_success(code)
            assert self.intent.status is (IntentStatus.SUCCEEDED if success else IntentStatus.FAILED)
            kinds = [e.type for e in application.events]
            assert kinds == [EventType.SUCCEEDED if success else EventType.PAYMENT_FAILED]
        else:
            assert application.intent is before
            # only a refused amount or money that cannot be absorbed speak up without a change
            speaks = {
                AttemptOutcome.AMOUNT_MISMATCH: [EventType.AMOUNT_MISMATCH],
                AttemptOutcome.UNEXPECTED_PAYMENT: [EventType.UNEXPECTED_PAYMENT],
            }
            assert [e.type for e in application.events] == speaks.get(application.outcome, [])

    @rule(wait=st.booleans())
    def expire_unanswered(self, wait: bool) -> None:
        intent = self.intent
        # The unanswered clock starts when the answer was lost, or at the claim when no answer was recorded.
        if intent.next_action_expires_at is not None:
            started = intent.next_action_expires_at - PROMPT_TTL_SECONDS
        else:
            started = intent.updated
        if wait:
            self.now = max(self.now, started + sm.UNANSWERED_ATTEMPT_TIMEOUT_SECONDS)
        legal = (
            intent.status is IntentStatus.PROCESSING
            and intent.checkout_request_id is None
            and self.now >= started + sm.UNANSWERED_ATTEMPT_TIMEOUT_SECONDS
        )
        assert sm.is_unanswered_too_long(intent, self.now) == legal
        if self._step(lambda i: sm.expire_unanswered(i, now=self.now), None if legal else IntentUnexpectedState):
            assert self.intent.last_payment_error is not None
            assert self.intent.last_payment_error.code == "expired"

    @rule(reason=st.sampled_from([None, "requested_by_customer"]))
    def cancel(self, reason: str | None) -> None:
        legal = self.intent.status in CONFIRMABLE
        if self._step(lambda i: sm.cancel(i, reason=reason, now=self.now), None if legal else IntentUnexpectedState):
            assert self.intent.canceled_at == self.now

    @precondition(lambda self: self.intent.status is IntentStatus.PROCESSING)
    @rule()
    def settle_the_current_attempt_successfully(self) -> None:
        """Make success reachable often: the right result for the current attempt."""
        self.apply_result(code="0", amount="exact", checkout="known", which="current")

    # --- invariants ----------------------------------------------------------------------------------------

    @invariant()
    def terminal_states_absorb(self) -> None:
        if self.became_terminal is not None:
            assert self.intent.status is self.became_terminal

    @invariant()
    def at_most_one_success(self) -> None:
        assert self.successes <= 1

    @invariant()
    def amount_currency_and_identity_never_change(self) -> None:
        assert (self.intent.amount, self.intent.currency) == (self.first.amount, self.first.currency)
        assert (self.intent.id, self.intent.created, self.intent.merchant_id) == (
            self.first.id,
            self.first.created,
            self.first.merchant_id,
        )
        assert self.intent.metadata == {"k": "v"}

    @invariant()
    def version_counts_the_changes(self) -> None:
        assert self.intent.version == 1 + self.changes

    @invariant()
    def status_and_details_agree(self) -> None:
        intent = self.intent
        if intent.status is IntentStatus.PROCESSING:
            assert intent.attempt_id is not None
            assert intent.mpesa is not None
        if intent.status is IntentStatus.FAILED:
            assert intent.last_payment_error is not None
        if intent.status is IntentStatus.SUCCEEDED:
            assert intent.last_payment_error is None
        if intent.status is not IntentStatus.PROCESSING:
            assert intent.next_action_expires_at is None

    # --- helpers ---------------------------------------------------------------------------------------------

    def _attempt(self, which: str) -> str:
        if which == "current" and self.intent.attempt_id is not None:
            return self.intent.attempt_id
        if which == "previous" and len(self.started) > 1:
            return self.started[-2]
        return "pa_unknown"

    def _is_current_processing(self, attempt_id: str) -> bool:
        return self.intent.status is IntentStatus.PROCESSING and self.intent.attempt_id == attempt_id

    def _step(self, move: Callable[[PaymentIntent], sm.Transition], expected: type[Exception] | None) -> bool:
        """Try a move; True when it changed the intent. ``expected`` is the error the rules demand, if any."""
        before = self.intent
        frozen = msgspec.json.encode(before)
        if expected is not None:
            with pytest.raises(expected) as raised:
                move(before)
            if isinstance(raised.value, InvalidParameter):
                assert raised.value.code == "parameter_missing"
            assert msgspec.json.encode(before) == frozen  # untouched, and still usable:
            assert self.intent is before
            return False
        new, events = move(before)
        self._changed(before, new, events)
        return True

    def _changed(self, before: PaymentIntent, new: PaymentIntent, events: Sequence[IntentEvent]) -> None:
        assert before.status not in (IntentStatus.SUCCEEDED, IntentStatus.CANCELED)
        assert new.version == before.version + 1
        # every status change, and only a status change, has exactly one public event
        assert len(events) == (1 if new.status is not before.status else 0)
        assert all(e.version == new.version for e in events)
        assert all(e.intent_id == new.id for e in events)
        assert all(e.at == self.now for e in events)
        if new.status is IntentStatus.SUCCEEDED:
            self.successes += 1
        if new.status in (IntentStatus.SUCCEEDED, IntentStatus.CANCELED):
            self.became_terminal = new.status
        self.changes += 1
        self.intent = new


def _expected_outcome(intent: PaymentIntent, attempt_id: str, result: PaymentResult) -> AttemptOutcome:
    """The contract's rules for a result, written independently of ``apply_result``: the first money wins."""
    success = result.result_code == "0"
    known = intent.checkout_request_id
    wrong_amount = result.amount is not None and result.amount != intent.amount
    if attempt_id != intent.attempt_id:
        if not success:
            return AttemptOutcome.SUPERSEDED
        if intent.status in (IntentStatus.SUCCEEDED, IntentStatus.CANCELED):
            return AttemptOutcome.UNEXPECTED_PAYMENT
        return AttemptOutcome.AMOUNT_MISMATCH if wrong_amount else AttemptOutcome.APPLIED
    if known and result.checkout_request_id and result.checkout_request_id != known:
        return AttemptOutcome.INVALID
    if success and intent.status is IntentStatus.CANCELED:
        return AttemptOutcome.UNEXPECTED_PAYMENT
    if intent.status is IntentStatus.SUCCEEDED or (intent.status is IntentStatus.FAILED and not success):
        return AttemptOutcome.DUPLICATE
    if intent.status in (IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.CANCELED):
        return AttemptOutcome.IGNORED
    if success and result.amount is not None and result.amount != intent.amount:
        return AttemptOutcome.AMOUNT_MISMATCH
    return AttemptOutcome.APPLIED


IntentWalk.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
TestIntentWalk = IntentWalk.TestCase
