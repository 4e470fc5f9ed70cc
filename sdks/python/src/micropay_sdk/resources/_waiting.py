"""``payment_intents.wait``: one long poll per at most 25 s, chained until the caller's ``timeout``.

The server holds ``GET /v1/payment_intents/{id}/wait`` until the intent is terminal (``succeeded`` or
``canceled``; a ``failed`` intent may still be confirmed again) or has changed past ``version``, or until
its own timeout (1-30 s), which it marks with ``Micropay-Wait: timeout``. A longer wait is several such
calls; the budget is counted in requested seconds as well as on the clock, so a server that answers early
can never make the loop spin. A ``change`` wait without a ``version`` is pinned, after the first timed-out
call, to the version that call saw, so a change between two calls is not missed.
"""

from __future__ import annotations

import math
import time
from typing import Any

import httpx

from micropay_sdk import _wire
from micropay_sdk._wire import ApiCall
from micropay_sdk.objects import PaymentIntent
from micropay_sdk.params import WaitUntil

LONGEST_SERVER_WAIT = 25
#: The HTTP read timeout is the server's wait plus this margin.
READ_MARGIN_S = 10.0


class WaitPlan:
    def __init__(
        self,
        intent_id: str,
        *,
        until: WaitUntil,
        version: int | None,
        timeout: float,
        client_secret: str | None,
    ) -> None:
        if until not in ("terminal", "change"):
            raise ValueError("until must be 'terminal' or 'change'")
        if not timeout > 0:
            raise ValueError("timeout must be > 0 seconds")
        self._path = f"/v1/payment_intents/{_wire.segment(intent_id, 'intent_id')}/wait"
        self._params: dict[str, Any] = {"until": until, "version": version, "client_secret": client_secret}
        self._budget = float(timeout)
        self._deadline = time.monotonic() + timeout

    def next_call(self) -> ApiCall[PaymentIntent]:
        """The next long poll, asking for at most what is left of the budget (at least 1 s)."""
        left = min(self._budget, self._deadline - time.monotonic())
        seconds = max(1, min(LONGEST_SERVER_WAIT, math.ceil(left)))
        self._budget -= seconds
        params = {**self._params, "timeout": seconds}
        return _wire.get(self._path, PaymentIntent, params, timeout=seconds + READ_MARGIN_S)

    def finished(self, response: httpx.Response, intent: PaymentIntent) -> bool:
        """Done unless the server timed out and some of the caller's budget is left."""
        timed_out = response.headers.get("micropay-wait", "").lower() == "timeout"
        if timed_out and self._params["until"] == "change" and self._params["version"] is None:
            self._params["version"] = intent.version
        return not timed_out or min(self._budget, self._deadline - time.monotonic()) < 1
