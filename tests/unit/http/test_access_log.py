"""One access line per request, with the response's Request-Id, and no secret in the path."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from micropay.entrypoints.http.request_context import access_log, loggable_path, request_id_middleware, request_id_var


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, str | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.getMessage(), request_id_var.get()))


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _call(path: str) -> tuple[list[dict[str, Any]], _Capture]:
    capture = _Capture()
    access_log.addHandler(capture)
    access_log.setLevel(logging.INFO)
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    try:
        scope = {"type": "http", "method": "POST", "path": path, "query_string": b"client_secret=pi_x_secret_y"}
        await request_id_middleware(_answer)(scope, receive, send)
    finally:
        access_log.removeHandler(capture)
    return sent, capture


async def test_each_request_logs_one_line_with_its_request_id() -> None:
    sent, capture = await _call("/v1/payment_intents")

    [(line, logged_id)] = capture.lines
    header = dict(sent[0]["headers"])[b"request-id"].decode()
    assert line.startswith("POST /v1/payment_intents 404 ")
    assert logged_id == header
    assert "client_secret" not in line


async def test_a_callback_token_is_cut_to_its_hint() -> None:
    _, capture = await _call("/webhooks/mpesa/AbCdEfGhIjKlMnOpQrStUvWxYz012345")

    [(line, _)] = capture.lines
    assert "AbCdEf…" in line
    assert "AbCdEfG" not in line


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/healthz", "/healthz"),
        ("/webhooks/mpesa/abc", "/webhooks/mpesa/abc…"),
        ("/webhooks/mpesa/", "/webhooks/mpesa/…"),
    ],
)
def test_loggable_path(path: str, shown: str) -> None:
    assert loggable_path(path) == shown
