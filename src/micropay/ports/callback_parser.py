from __future__ import annotations

from typing import Any, Protocol

from micropay.domain.errors import MicropayError
from micropay.domain.model.provider import PaymentResult


class MalformedCallback(MicropayError):
    """The body is not a Daraja STK callback we can read (answered 400, still logged raw)."""

    code = "callback_malformed"


class CallbackParser(Protocol):
    def parse(self, body: Any) -> PaymentResult:
        """Read a decoded ``{"Body": {"stkCallback": …}}`` tolerantly (docs/api.md, Callbacks).

        ``ResultCode`` as number or string (normalised), metadata items by ``Name``, ``Amount`` as a float in
        shillings (returned in minor units), ``TransactionDate`` (Nairobi time, returned as Unix seconds) and
        ``PhoneNumber`` as numbers or strings, ``Balance`` with no value. Raises ``MalformedCallback``.
        """
        ...
