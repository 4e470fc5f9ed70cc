"""The Daraja gateway port: STK push and STK push query, with every failure mode named.

A push returns its verdict as a value (``micropay.domain.model.push.PushVerdict``: accepted, customer
rejected, not sent, merchant misconfigured, answer lost); only bugs escape it as exceptions. A query returns
pending or final, and raises ``ProviderUnavailable`` / ``ProviderConfigurationError`` when it learnt nothing:
an outage the caller cannot settle. Every result (and error) carries the redacted ``Exchange`` it made, for
the attempts log.
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from micropay.domain.errors import MicropayError
from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Environment
from micropay.domain.model.provider import Exchange as Exchange
from micropay.domain.model.provider import PaymentResult
from micropay.domain.model.push import DEFAULT_RETRY_AFTER, PushVerdict
from micropay.domain.model.redaction import redacted_fields, redacted_repr


class StkPushRequest(msgspec.Struct, frozen=True, kw_only=True):
    environment: Environment
    amount_shillings: int
    phone_number: str  # 12 digits
    account_reference: str  # <= 12
    transaction_desc: str  # <= 13
    callback_url: str

    def __repr__(self) -> str:
        return redacted_repr(self, ("callback_url",))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, ("callback_url",))


class QueryPending(msgspec.Struct, frozen=True, kw_only=True):
    """Daraja is still processing (``500.001.1001`` on the query, or ``ResultCode`` 4999)."""

    exchange: Exchange


class QueryFinal(msgspec.Struct, frozen=True, kw_only=True):
    result: PaymentResult
    exchange: Exchange


class GatewayError(MicropayError):
    """Base of the gateway's errors; ``exchange`` is what was exchanged, if anything."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.exchange = exchange


class ProviderUnavailable(GatewayError):
    """Daraja is down, answered 5xx, timed out before the request was sent, or the circuit is open.

    Nothing was accepted; safe to try again after ``retry_after`` seconds. Raised by a query, and by the
    confirm use case when a push was not sent (``PushNotSent``).
    """

    code = "provider_unavailable"

    def __init__(
        self, message: str, exchange: Exchange | None = None, retry_after: float = DEFAULT_RETRY_AFTER
    ) -> None:
        super().__init__(message, exchange)
        self.retry_after = retry_after


class CircuitOpen(ProviderUnavailable):
    """The call was refused without reaching Daraja: the shortcode's circuit is open (fail fast).

    A ``ProviderUnavailable`` for every caller that does not care about the difference; a batch caller
    uses it to stop asking on behalf of the same shortcode until ``retry_after`` has passed.
    """


class ProviderConfigurationError(GatewayError):
    """Daraja refused the merchant's setup: wrong credentials, unknown shortcode, token refused after a refresh.

    Raised by a query, and by the confirm use case for a ``PushMisconfigured`` verdict.
    """

    code = "provider_configuration_error"


class DarajaGateway(Protocol):
    async def stk_push(self, credentials: DarajaCredentials, request: StkPushRequest) -> PushVerdict:
        """Send one STK push, never retried; its verdict, whatever Daraja answered (or did not).

        ``PushNotSent`` and ``PushMisconfigured`` mean nothing was accepted; ``PushAnswerLost`` that it may
        have been. An exception means a bug: the caller records the push as lost (it may have left)."""
        ...

    async def stk_query(
        self, credentials: DarajaCredentials, environment: Environment, checkout_request_id: str
    ) -> QueryPending | QueryFinal:
        """Ask for the outcome of a push; safe to retry. Raises ``ProviderUnavailable`` or
        ``ProviderConfigurationError``."""
        ...
