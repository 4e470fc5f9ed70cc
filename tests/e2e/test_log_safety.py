"""What a request can make the service log (issue 10, defect 7).

- Control characters in anything logged from a request are escaped: a ``%0a`` in a URL (percent-decoded
  into the path) cannot forge a second log line.
- A client that disconnects before its answer is logged at INFO as 499, never as an ERROR 500 (anyone can
  hang up: that must not raise alarms).
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from micropay.entrypoints.http.request_context import EscapingFormatter, RequestIdLogFilter, escape_controls
from tests.e2e.client import Merchant
from tests.e2e.harness import Stack

FORGED = "/v1/payment_intents%0a2026-12-01 12:00:00,000 ERROR micropay.access request_id=req_x POST /forged 500"


def test_escape_controls_keeps_one_line() -> None:
    assert escape_controls("a\nb\rc\x1b[31m\x00\u2028d") == "a\\nb\\rc\\x1b[31m\\x00\\u2028d"
    assert escape_controls("café – ok") == "café – ok"


def test_the_formatter_escapes_what_a_message_interpolates() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(EscapingFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.log_safety")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("token %s refused", "abc\nCRITICAL forged line")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "WARNING token abc\\nCRITICAL forged line refused\n"


async def test_a_newline_in_the_url_does_not_forge_an_access_line(http: httpx.AsyncClient) -> None:
    # Our own handler on the access logger: the line is written by the server's thread, possibly just after the
    # client has its answer, and other tests of the session may have reconfigured the root logger.
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    access = logging.getLogger("micropay.access")
    level, disabled = access.level, access.disabled
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.disabled = False
    try:
        response = await http.get(FORGED)
        assert response.status_code == 404
        for _ in range(100):
            lines = [r.getMessage() for r in records if "forged" in r.getMessage()]
            if lines:
                break
            await asyncio.sleep(0.03)
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
        access.disabled = disabled
    assert len(lines) == 1, lines
    assert "\n" not in lines[0]
    assert "\\n2026-12-01" in lines[0]


def _hang_up_mid_body(api_url: str, path: str, headers: dict[str, str]) -> None:
    """Send the head and part of a body promised as 1,000 bytes, then close the connection."""
    where = urlsplit(api_url)
    head = f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection((where.hostname or "127.0.0.1", where.port or 80), timeout=5) as sock:
        sock.sendall(head.encode() + b'\r\n{"amount": 15')


@pytest.mark.parametrize("path", ["/v1/payment_intents", "/webhooks/mpesa/abcdefghijklmnop"])
async def test_a_client_that_hangs_up_is_logged_quietly_as_499(
    stack: Stack, merchant: Merchant, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.INFO)
    await asyncio.to_thread(_hang_up_mid_body, stack.api_url, path, {"Authorization": f"Bearer {merchant.sk_test}"})
    for _ in range(100):
        if any(r.name == "micropay.access" and " 499 " in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.05)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    access = [r.getMessage() for r in caplog.records if r.name == "micropay.access"]
    assert any(line.startswith(f"POST {path[:22]}") and " 499 " in line for line in access), access
