"""The Daraja gateway port: STK push and STK push query, with every failure mode named.

Every call returns (or its error carries) the ``Exchange`` it made, redacted, for the attempts log.
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from micropay.domain.errors import MicropayError
from micropay.domain.model.credentials import DarajaCredentials
from micropay.domain.model.environment import Environment
from micropay.domain.model.provider import PaymentResult
from micropay.domain.model.redaction import redacted_fields, redacted_repr


class Exchange(msgspec.Struct, frozen=True, kw_only=True):
    """One request/response with Daraja, redacted (no Password, no access token)."""

    request: Any = None
    response: Any = None
    http_status: int | None = None


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


class StkPushAccepted(msgspec.Struct, frozen=True, kw_only=True):
    checkout_request_id: str
    merchant_request_id: str | None
    exchange: Exchange


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

    Nothing was accepted; safe to try again after ``retry_after`` seconds.
    """

    code = "provider_unavailable"

    def __init__(self, message: str, exchange: Exchange | None = None, retry_after: float = 5.0) -> None:
        super().__init__(message, exchange)
        self.retry_after = retry_after


class CircuitOpen(ProviderUnavailable):
    """The call was refused without reaching Daraja: the shortcode's circuit is open (fail fast).

    A ``ProviderUnavailable`` for every caller that does not care about the difference; a batch caller
    uses it to stop asking on behalf of the same shortcode until ``retry_after`` has passed.
    """


class ProviderConfigurationError(GatewayError):
    """Daraja refused the merchant's setup: wrong credentials, unknown shortcode, token refused after a refresh."""

    code = "provider_configuration_error"


class CustomerRejected(GatewayError):
    """Daraja refused the push for a customer reason (invalid phone, subscriber locked). The intent fails."""

    code = "customer_rejected"

    def __init__(self, message: str, error_code: str, provider_code: str, exchange: Exchange | None = None) -> None:
        super().__init__(message, exchange)
        self.error_code = error_code  # the contract's last_payment_error.code
        self.provider_code = provider_code  # Daraja's errorCode, e.g. 400.002.02


class AnswerLost(GatewayError):
    """The push was sent but no answer came back (read timeout): it may have happened. Never re-push."""

    code = "answer_lost"


class DarajaGateway(Protocol):
    async def stk_push(self, credentials: DarajaCredentials, request: StkPushRequest) -> StkPushAccepted:
        """Send one STK push. Never retried. Raises ``CustomerRejected``, ``ProviderConfigurationError``,
        ``ProviderUnavailable`` (nothing accepted) or ``AnswerLost`` (maybe accepted)."""
        ...

    async def stk_query(
        self, credentials: DarajaCredentials, environment: Environment, checkout_request_id: str
    ) -> QueryPending | QueryFinal:
        """Ask for the outcome of a push; safe to retry. Raises ``ProviderUnavailable`` or
        ``ProviderConfigurationError``."""
        ...
