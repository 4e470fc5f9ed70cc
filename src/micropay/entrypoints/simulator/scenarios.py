"""What happens to a push, decided by the customer's phone number (docs/simulator.md)."""

from __future__ import annotations

from typing import Final

import msgspec

LOCK_MESSAGE: Final = "Unable to lock subscriber, a transaction is already in process for the current subscriber"
SUCCESS_DESC: Final = "The service request is processed successfully."


class SyncReject(msgspec.Struct, frozen=True, kw_only=True):
    """The push is refused in its synchronous answer (``error_code`` None: a bare HTTP error page)."""

    http_status: int
    error_code: str | None
    error_message: str


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """An accepted push: its result, how often the callback is delivered, what the query says."""

    result_code: int = 0
    callback_desc: str = SUCCESS_DESC
    query_desc: str = SUCCESS_DESC
    deliveries: int = 1  # callbacks POSTed (0: the webhook is "missed")
    settles: bool = True  # False: the query says "still processing" for ever
    hold_response: bool = False  # the push's answer is held back for ``hold_ms``


def _failure(code: int, callback_desc: str, query_desc: str | None = None) -> Outcome:
    return Outcome(result_code=code, callback_desc=callback_desc, query_desc=query_desc or callback_desc)


SUCCESS: Final = Outcome()

SCENARIOS: Final[dict[str, Outcome | SyncReject]] = {
    "254711000001": _failure(1, "The balance is insufficient for the transaction."),
    "254711001032": _failure(1032, "Request cancelled by user", "1032: Request canceled by the user"),
    "254711001037": _failure(1037, "No response from user.", "DS timeout user cannot be reached."),
    "254711002001": _failure(2001, "The initiator information is invalid."),
    "254711001019": _failure(1019, "Transaction has expired."),
    "254711000099": Outcome(deliveries=0),
    "254711000098": Outcome(deliveries=0, settles=False),
    "254711000002": Outcome(deliveries=3),
    "254711000400": SyncReject(
        http_status=400, error_code="400.002.02", error_message="Bad Request - Invalid PhoneNumber"
    ),
    "254711000423": SyncReject(http_status=500, error_code="500.001.1001", error_message=LOCK_MESSAGE),
    "254711000503": SyncReject(http_status=503, error_code=None, error_message="Service Unavailable"),
    "254711000504": Outcome(hold_response=True),
}


def scenario_for(phone_number: str) -> Outcome | SyncReject:
    """The table's entry for ``phone_number``; every other number pays successfully."""
    return SCENARIOS.get(phone_number, SUCCESS)
