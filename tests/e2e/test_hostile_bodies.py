"""Bytes that cannot be JSON text (issue 10, defect 2): 400 ``json_invalid`` on every route, never a 5xx.

Invalid UTF-8 inside a JSON string and nesting 1,000+ deep used to escape the decoders as
``UnicodeDecodeError`` / ``RecursionError``: 500s with tracebacks, before authentication and on the keyless
callback path. Every response also passes ``check_response`` (Request-Id, contract error shape, no 5xx).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Final
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.client import Merchant, bearer, error_of
from tests.e2e.harness import Stack

INVALID_UTF8: Final = b'{"amount": 1500, "currency": "kes", "description": "caf\xc3\x28 \xff\xfe"}'
DEEP_ARRAYS: Final = b"[" * 1500 + b"]" * 1500
DEEP_OBJECTS: Final = b'{"a":' * 1200 + b"1" + b"}" * 1200
BODIES: Final = {"invalid-utf8": INVALID_UTF8, "deep-arrays": DEEP_ARRAYS, "deep-objects": DEEP_OBJECTS}
POSTS: Final = [
    "/v1/payment_intents",
    "/v1/payment_intents/pi_0000000000000000000000/confirm",
    "/v1/payment_intents/pi_0000000000000000000000/cancel",
    "/v1/payment_intents/pi_0000000000000000000000/reconcile",
    "/v1/api_keys/roll",
    "/v1/mpesa_credentials",
    "/webhooks/mpesa/abcdefghijklmnopqrstuvwxyz0123456789",
]


def assert_json_invalid(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "json_invalid", error
    assert error["request_id"] == response.headers["request-id"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize("kind", list(BODIES))
@pytest.mark.parametrize("path", POSTS)
async def test_unauthenticated_post_gets_json_invalid(http: httpx.AsyncClient, path: str, kind: str) -> None:
    response = await http.post(path, content=BODIES[kind], headers={"Content-Type": "application/json"})
    assert_json_invalid(response)


@pytest.mark.parametrize("kind", list(BODIES))
@pytest.mark.parametrize("path", POSTS[:5])
async def test_authenticated_post_gets_json_invalid(
    http: httpx.AsyncClient, merchant: Merchant, path: str, kind: str
) -> None:
    headers = {**bearer(merchant.sk_test), "Content-Type": "application/json", "Idempotency-Key": f"hostile-{kind}"}
    response = await http.post(path, content=BODIES[kind], headers=headers)
    assert_json_invalid(response)


async def test_moderate_nesting_and_utf8_text_still_reach_the_route(
    http: httpx.AsyncClient, merchant: Merchant
) -> None:
    """The guard refuses only what cannot be JSON here: brackets inside strings and real UTF-8 pass."""
    body = '{"amount": 1500, "currency": "kes", "description": "caf\u00e9 ' + "[" * 80 + '"}'
    response = await http.post(
        "/v1/payment_intents",
        content=body.encode(),
        headers={**bearer(merchant.sk_test), "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["description"].startswith("café")


def _head_only(api_url: str, content_length: int) -> bytes:
    where = urlsplit(api_url)
    head = (
        f"POST /webhooks/mpesa/abcdefgh HTTP/1.1\r\nHost: {where.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {content_length}\r\n\r\n"
    )
    with socket.create_connection((where.hostname or "127.0.0.1", where.port or 80), timeout=5) as sock:
        sock.sendall(head.encode())
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


async def test_a_body_declared_over_the_limit_is_413_without_being_read(stack: Stack) -> None:
    answer = await asyncio.to_thread(_head_only, stack.api_url, 1024 * 1024 + 1)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b'"code":"request_too_large"' in answer
    assert b"request-id: req_" in answer.lower()
