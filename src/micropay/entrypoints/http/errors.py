"""The one table that maps errors to HTTP status, contract error type and code (docs/api.md)."""

from __future__ import annotations

import logging
import math
import re
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException

from micropay.domain.auth_errors import RoleForbidden, SessionRequired, SignupClosed, TooManyAttempts
from micropay.domain.errors import (
    AuthenticationFailed,
    CredentialsMissing,
    IntentUnexpectedState,
    InvalidParameter,
    MicropayError,
    ResourceMissing,
)
from micropay.entrypoints.http.request_context import CLIENT_CLOSED_REQUEST, CLIENT_GONE_KEY, current_request_id
from micropay.entrypoints.http.schemas import FIELD_RULES
from micropay.ports.callback_parser import MalformedCallback
from micropay.ports.credential_vault import VaultError
from micropay.ports.daraja_gateway import ProviderConfigurationError, ProviderUnavailable
from micropay.ports.errors import ConcurrentUpdate, StorageUnavailable
from micropay.ports.idempotency_bindings import IdempotencyClaimLost

log = logging.getLogger(__name__)
_ENCODER: Final = msgspec.json.Encoder()

INVALID_REQUEST: Final = "invalid_request_error"


class ApiError(MicropayError):
    """An error that only the HTTP layer knows (permissions, idempotency, unknown routes)."""

    def __init__(
        self,
        status: int,
        error_type: str,
        code: str,
        message: str,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.code = code
        self.param = param
        self.headers = headers or {}


def permission_denied() -> ApiError:
    return ApiError(
        403,
        "permission_error",
        "publishable_key_forbidden",
        "This request needs a secret key: a publishable key may only retrieve or confirm a PaymentIntent "
        "with its client_secret.",
    )


# (error class, status, type); the first match wins, so subclasses come first.
_TABLE: Final[list[tuple[type[MicropayError], int, str]]] = [
    (InvalidParameter, 400, INVALID_REQUEST),
    (CredentialsMissing, 400, INVALID_REQUEST),
    (MalformedCallback, 400, INVALID_REQUEST),
    (AuthenticationFailed, 401, "authentication_error"),
    (RoleForbidden, 403, "permission_error"),
    (SessionRequired, 403, "permission_error"),
    (SignupClosed, 403, "permission_error"),
    (TooManyAttempts, 429, "rate_limit_error"),
    (ResourceMissing, 404, INVALID_REQUEST),
    (IntentUnexpectedState, 409, INVALID_REQUEST),
    (ConcurrentUpdate, 409, INVALID_REQUEST),
    (IdempotencyClaimLost, 409, "idempotency_error"),
    (ProviderConfigurationError, 502, "provider_error"),
    (ProviderUnavailable, 503, "provider_error"),
    (StorageUnavailable, 503, "api_error"),
    (VaultError, 500, "api_error"),
]


def error_body(
    status_type: str, code: str, message: str, param: str | None, extra: dict[str, Any] | None = None
) -> bytes:
    error: dict[str, Any] = {"type": status_type, "code": code, "message": message}
    if param is not None:
        error["param"] = param
    error["request_id"] = current_request_id()
    if extra:
        error.update(extra)
    return _ENCODER.encode({"error": error})


def describe(exc: MicropayError) -> tuple[int, str, str, str | None, dict[str, str]]:
    """Status, type, code, param and extra headers for a Micropay error."""
    if isinstance(exc, ApiError):
        return exc.status, exc.error_type, exc.code, exc.param, exc.headers
    for kind, status, error_type in _TABLE:
        if isinstance(exc, kind):
            headers: dict[str, str] = {}
            if isinstance(exc, ProviderUnavailable):
                headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
            elif isinstance(exc, TooManyAttempts):
                headers["Retry-After"] = str(exc.retry_after)
            elif isinstance(exc, StorageUnavailable):
                headers["Retry-After"] = "1"
            return status, error_type, exc.code, getattr(exc, "param", None), headers
    return 500, "api_error", "internal_error", None, {}


def error_response(exc: MicropayError, extra: dict[str, Any] | None = None) -> Response[bytes]:
    status, error_type, code, param, headers = describe(exc)
    message = exc.message
    if status == 409 and isinstance(exc, ConcurrentUpdate):
        message = "The object was changed by another request at the same time; retry the request."
    if status >= 500 and status not in (502, 503):
        log.error("unexpected %s: %s", type(exc).__name__, code)
        message = "An unexpected error occurred; it has been logged."
    return Response(
        error_body(error_type, code, message, param, extra),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def micropay_error_handler(_: Request[Any, Any, Any], exc: MicropayError) -> Response[bytes]:
    return error_response(exc)


_UNKNOWN: Final = re.compile(r"Object contains unknown field `([^`]*)`")
_MISSING: Final = re.compile(r"Object missing required field `([^`]*)`")


def validation_error_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    """Litestar's body/query validation, re-expressed in the contract's shape with the field at fault."""
    extra = exc.extra if isinstance(exc.extra, list) and exc.extra else [{}]
    first = extra[0] if isinstance(extra[0], dict) else {}
    message = str(first.get("message", ""))
    key = first.get("key")
    error: ApiError
    if match := _UNKNOWN.search(message):
        field = match.group(1)
        error = ApiError(400, INVALID_REQUEST, "parameter_unknown", f"Received unknown parameter: {field}", param=field)
    elif match := _MISSING.search(message):
        field = match.group(1)
        error = ApiError(400, INVALID_REQUEST, "parameter_missing", f"Missing required param: {field}.", param=field)
    elif key in (None, "data"):
        error = ApiError(400, INVALID_REQUEST, "json_invalid", "The request body must be a JSON object.")
    else:
        field = str(key)
        code, explained = FIELD_RULES.get(field, ("parameter_invalid", ""))
        detail = message.replace("`", "") or "invalid value"
        error = ApiError(400, INVALID_REQUEST, code, explained or f"Invalid {field}: {detail}.", param=field)
    return error_response(error)


def _client_gone(request: Request[Any, Any, Any]) -> Response[bytes] | None:
    """A client that left mid-request is no server error: log it quietly, answer (to no one) 499."""
    if not request.scope.get("state", {}).get(CLIENT_GONE_KEY):
        return None
    log.info("client disconnected before the answer")
    error = ApiError(CLIENT_CLOSED_REQUEST, INVALID_REQUEST, "client_closed_request", "The client disconnected.")
    return error_response(error)


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    """Framework errors (unknown route, wrong method, malformed JSON) in the contract's shape."""
    if (gone := _client_gone(request)) is not None:
        return gone
    status = exc.status_code
    detail = str(exc.detail)
    if status == 404:
        error = ApiError(404, INVALID_REQUEST, "resource_missing", "Unrecognized request URL.")
    elif status == 405:
        allow = {name: value for name, value in (exc.headers or {}).items() if name.lower() == "allow"}
        error = ApiError(
            405, INVALID_REQUEST, "method_not_allowed", "This method is not allowed on this URL.", headers=allow
        )
    elif status == 400 and (isinstance(exc.__cause__, SerializationException) or "JSON" in detail):
        error = ApiError(400, INVALID_REQUEST, "json_invalid", "The request body is not valid JSON.")
    elif status == 415:
        error = ApiError(415, INVALID_REQUEST, "content_type_invalid", "Send the body as application/json.")
    elif status < 500:
        error = ApiError(status, INVALID_REQUEST, "parameter_invalid", detail)
    else:
        log.error("framework error %s", status)
        error = ApiError(500, "api_error", "internal_error", "An unexpected error occurred; it has been logged.")
    return error_response(error)


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if (gone := _client_gone(request)) is not None:
        return gone
    log.exception("unhandled error", exc_info=exc)
    return error_response(ApiError(500, "api_error", "internal_error", "An unexpected error occurred."))
