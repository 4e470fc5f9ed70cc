"""The simulator's memory: issued tokens, accepted pushes, counters. Lost on restart, like a fresh sandbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from micropay.entrypoints.simulator.ids import IdFactory, nairobi
from micropay.entrypoints.simulator.scenarios import Outcome


@dataclass
class Transaction:
    checkout_request_id: str
    merchant_request_id: str
    short_code: str
    phone_number: str
    amount: int
    outcome: Outcome
    receipt_number: str
    due_at: float  # monotonic time from which the outcome is known (the callback is sent then)
    pending_answers: int = 0  # how many "still processing" answers the query gave (to alternate their forms)
    queried_at: list[float] = field(default_factory=list)  # monotonic time of every query about it (tests)


@dataclass
class Counters:
    oauth_requests: int = 0
    tokens_issued: int = 0
    stk_push_requests: int = 0
    stk_query_requests: int = 0
    callbacks_sent: int = 0
    callbacks_failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class SimulatorState:
    ids: IdFactory
    token_ttl_s: float
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    tokens: dict[str, float] = field(default_factory=dict)  # token -> monotonic expiry
    transactions: dict[str, Transaction] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)

    def __repr__(self) -> str:
        return f"SimulatorState(tokens={len(self.tokens)}, transactions={len(self.transactions)})"

    def issue_token(self) -> str:
        token = self.ids.access_token()
        self.tokens[token] = self.monotonic() + self.token_ttl_s
        self.counters.tokens_issued += 1
        return token

    def token_valid(self, token: str) -> bool:
        expiry = self.tokens.get(token)
        return expiry is not None and self.monotonic() < expiry

    def revoke_all_tokens(self) -> None:
        """Forget every token, as a restarted Daraja would: the next API call gets ``404.001.03``."""
        self.tokens.clear()

    def accept(self, short_code: str, phone_number: str, amount: int, outcome: Outcome, delay_s: float) -> Transaction:
        checkout = self.ids.checkout_request_id(self.wall(), phone_number)
        while checkout in self.transactions:
            checkout = self.ids.checkout_request_id(self.wall(), phone_number)
        txn = Transaction(
            checkout_request_id=checkout,
            merchant_request_id=self.ids.merchant_request_id(),
            short_code=short_code,
            phone_number=phone_number,
            amount=amount,
            outcome=outcome,
            receipt_number=self.ids.receipt_number(),
            due_at=self.monotonic() + delay_s,
        )
        self.transactions[checkout] = txn
        return txn

    def settled(self, txn: Transaction) -> bool:
        return txn.outcome.settles and self.monotonic() >= txn.due_at

    def callback_body(self, txn: Transaction) -> dict[str, Any]:
        """Daraja's callback: numbers for ResultCode/TransactionDate/PhoneNumber, metadata only on success."""
        callback: dict[str, Any] = {
            "MerchantRequestID": txn.merchant_request_id,
            "CheckoutRequestID": txn.checkout_request_id,
            "ResultCode": txn.outcome.result_code,
            "ResultDesc": txn.outcome.callback_desc,
        }
        if txn.outcome.result_code == 0:
            callback["CallbackMetadata"] = {
                "Item": [
                    {"Name": "Amount", "Value": float(txn.amount)},
                    {"Name": "MpesaReceiptNumber", "Value": txn.receipt_number},
                    {"Name": "Balance"},
                    {"Name": "TransactionDate", "Value": int(nairobi(self.wall(), "%Y%m%d%H%M%S"))},
                    {"Name": "PhoneNumber", "Value": int(txn.phone_number)},
                ]
            }
        return {"Body": {"stkCallback": callback}}
