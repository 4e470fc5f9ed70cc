"""Errors by the contract's ``error.type``, so callers can tell what to do from the class alone.

- ``AuthenticationError``: the key is missing, malformed, unknown or revoked (401). Fix the key.
- ``PermissionDeniedError``: a publishable key tried a secret-key call (403). Named so that it does not
  shadow the builtin ``PermissionError``.
- ``InvalidRequestError``: a parameter, an unknown object (404) or a state conflict (409); ``param`` names
  the field at fault. Retrying the same request will not help.
- ``IdempotencyError``: the ``Idempotency-Key`` was reused with other parameters (422), or is still in
  flight (409; retried automatically).
- ``ProviderError``: Daraja refused the merchant's setup (502) or is unavailable (503, retried
  automatically, honouring ``Retry-After``).
- ``RateLimitError``: too many requests (429; retried automatically, honouring ``Retry-After``).
- ``APIError``: anything else the server answered (a 5xx, an unreadable body).
- ``APIConnectionError`` / ``APITimeoutError``: no answer at all (connection refused, reset, timed out).
- ``WebhookVerificationError``: a webhook whose signature or timestamp does not check out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MicropayError(Exception):
    """The base of every error this SDK raises.

    ``http_status`` is ``None`` when no response arrived. ``payment_intent`` is the intent an error
    response carries, when it carries one (``create(confirm=True)`` whose confirm step failed: the intent
    exists; confirm it again rather than creating another).
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        type: str | None = None,  # the contract names it so
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.headers: dict[str, str] = dict(headers or {})
        self.json_body = json_body
        self.retry_after = retry_after
        self.payment_intent: Any = None

    def __str__(self) -> str:
        details = [
            f"{name}={value}"
            for name, value in (
                ("status", self.http_status),
                ("type", self.type),
                ("code", self.code),
                ("param", self.param),
                ("request_id", self.request_id),
            )
            if value is not None
        ]
        return f"{self.message} ({', '.join(details)})" if details else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, http_status={self.http_status!r}, code={self.code!r})"


class APIError(MicropayError):
    """The server answered with an error that no other class describes (a bug, an outage)."""


class APIConnectionError(MicropayError):
    """No response: the connection failed or was cut. Safe to retry a POST with its idempotency key."""


class APITimeoutError(APIConnectionError):
    """The request timed out; the server may still have done the work (retry with the same key)."""


class AuthenticationError(MicropayError):
    """401 ``authentication_error``."""


class PermissionDeniedError(MicropayError):
    """403 ``permission_error`` (e.g. ``publishable_key_forbidden``)."""


class InvalidRequestError(MicropayError):
    """400/404/409 ``invalid_request_error``; ``param`` names the field at fault."""


class IdempotencyError(MicropayError):
    """422 ``idempotency_key_reused`` or 409 ``idempotency_key_in_use``."""


class ProviderError(MicropayError):
    """502 ``provider_configuration_error`` or 503 ``provider_unavailable`` (M-Pesa, Daraja)."""


class RateLimitError(MicropayError):
    """429: too many requests (or too many open streams, or login attempts)."""


class WebhookVerificationError(MicropayError):
    """A webhook's headers, timestamp or signature do not verify: reject the request (e.g. with 400)."""


ERRORS_BY_TYPE: dict[str, type[MicropayError]] = {
    "api_error": APIError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "invalid_request_error": InvalidRequestError,
    "idempotency_error": IdempotencyError,
    "provider_error": ProviderError,
    "rate_limit_error": RateLimitError,
}


def error_class(http_status: int, error_type: str | None) -> type[MicropayError]:
    """The class for an error response: 429 is always a ``RateLimitError``; else by ``type``."""
    if http_status == 429:
        return RateLimitError
    return ERRORS_BY_TYPE.get(error_type or "", APIError)
