"""What goes on the wire: one API call described as data, its query string, and error responses to errors.

Shared by the sync and the async client, so both speak exactly the same HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from micropay_sdk.errors import APIConnectionError, APIError, APITimeoutError, MicropayError, error_class
from micropay_sdk.objects import PaymentIntent
from micropay_sdk.retries import parse_retry_after

T = TypeVar("T")

VERSION = "0.1.0"
USER_AGENT = f"micropay-sdk-python/{VERSION}"
_ENCODER = msgspec.json.Encoder()


@dataclass(frozen=True, kw_only=True)
class ApiCall(Generic[T]):
    """One logical API operation. A POST's ``idempotency_key`` is fixed here, once, before any try."""

    method: str
    path: str
    returns: type[T]
    query: list[tuple[str, str]] = field(default_factory=list)
    body: dict[str, Any] | None = None
    idempotency_key: str | None = None
    #: Overrides the client's timeout (long polls).
    timeout: float | None = None


def post(path: str, returns: type[T], body: Mapping[str, object], idempotency_key: str | None) -> ApiCall[T]:
    """A POST with a key: the caller's, or a fresh random one that every retry of this call reuses."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
        raise ValueError("idempotency_key must be 1 to 255 characters")
    key = idempotency_key if idempotency_key is not None else str(uuid.uuid4())
    return ApiCall(method="POST", path=path, returns=returns, body=dict(body), idempotency_key=key)


def get(
    path: str, returns: type[T], params: Mapping[str, object] | None = None, timeout: float | None = None
) -> ApiCall[T]:
    return ApiCall(method="GET", path=path, returns=returns, query=query_string(params or {}), timeout=timeout)


def delete(path: str, returns: type[T]) -> ApiCall[T]:
    return ApiCall(method="DELETE", path=path, returns=returns)


def segment(value: str, what: str) -> str:
    """An id as one path segment (quoted: an id can never reach another route)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    return quote(value, safe="")


def query_string(params: Mapping[str, object]) -> list[tuple[str, str]]:
    """Stripe-style query parameters: ``types=[a, b]`` -> ``types[]=a&types[]=b``; ``created={"gte": 1}`` ->
    ``created[gte]=1``; booleans as ``true``/``false``; ``None`` left out."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            pairs += [(f"{name}[{key}]", _scalar(item)) for key, item in value.items() if item is not None]
        elif isinstance(value, list | tuple):
            pairs += [(f"{name}[]", _scalar(item)) for item in value]
        else:
            pairs.append((name, _scalar(value)))
    return pairs


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def headers_for(call: ApiCall[Any], api_key: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json", "User-Agent": USER_AGENT}
    if call.body is not None:
        headers["Content-Type"] = "application/json"
    if call.idempotency_key is not None:
        headers["Idempotency-Key"] = call.idempotency_key
    return headers


def encoded_body(call: ApiCall[Any]) -> bytes | None:
    return None if call.body is None else _ENCODER.encode(call.body)


def decode(response: httpx.Response, returns: Any) -> Any:
    """A 2xx body as the call's type; a body that does not fit is an ``APIError`` (never a raw exception)."""
    try:
        # An acknowledgement may come with no body at all (202): decode it as an empty object.
        return msgspec.json.decode(response.content or b"{}", type=returns)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise APIError(
            f"The server's answer could not be read as {getattr(returns, '__name__', 'the expected object')}: {exc}",
            http_status=response.status_code,
            request_id=response.headers.get("request-id"),
            headers=response.headers,
        ) from exc


def error_from_response(response: httpx.Response) -> MicropayError:
    """The contract's ``{"error": {...}}`` as the error class for its type (or ``APIError`` if unreadable)."""
    status = response.status_code
    request_id = response.headers.get("request-id")
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return APIError(
            f"HTTP {status} with no error object in the body",
            http_status=status,
            request_id=request_id,
            headers=response.headers,
            retry_after=retry_after,
        )
    kind = error_class(status, _text(error.get("type")))
    exc = kind(
        _text(error.get("message")) or f"HTTP {status}",
        http_status=status,
        type=_text(error.get("type")),
        code=_text(error.get("code")),
        param=_text(error.get("param")),
        request_id=_text(error.get("request_id")) or request_id,
        headers=response.headers,
        json_body=body,
        retry_after=retry_after,
    )
    if isinstance(error.get("payment_intent"), dict):
        try:
            exc.payment_intent = msgspec.convert(error["payment_intent"], PaymentIntent)
        except msgspec.ValidationError:
            exc.payment_intent = None
    return exc


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def connection_error(exc: httpx.TransportError, call: ApiCall[Any]) -> APIConnectionError:
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    return kind(f"{call.method} {call.path}: no response from the Micropay server ({type(exc).__name__}: {exc})")


#: Transport failures worth retrying: the request may not have arrived, or its answer was lost.
RETRYABLE_TRANSPORT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)
