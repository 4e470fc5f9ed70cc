"""The HTTP server's own limits (issue 10, defect 6; ADR 0013), over real sockets on loopback.

The server is the one ``micropay serve`` runs (``server_config``: uvicorn with ``LimitedHttpToolsProtocol``),
serving the real app, with short deadlines so the tests stay fast.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Final

import pytest
import uvicorn

from micropay.entrypoints.http.app import create_app
from micropay.entrypoints.http.server import server_config
from micropay.entrypoints.settings import Settings
from tests import pg
from tests.e2e.harness import ServerLoop, new_vault_key

HEADER_TIMEOUT: Final = 0.5
BODY_TIMEOUT: Final = 0.5
MAX_CONNECTIONS: Final = 8


class Served:
    def __init__(self, port: int) -> None:
        self.port = port

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=5)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = pg.migrated_sqlite_file(tmp_path_factory.mktemp("limits") / "micropay.db")
    settings = Settings(
        database_url=url,
        vault_key=new_vault_key(),
        log_level="WARNING",
        reconcile_interval=0,
        http_header_timeout=HEADER_TIMEOUT,
        http_body_timeout=BODY_TIMEOUT,
        http_max_connections=MAX_CONNECTIONS,
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = server_config(create_app(settings, configure_logs=False), settings, host="127.0.0.1", port=0)
    server = uvicorn.Server(config)
    loop = ServerLoop()
    task = loop.submit(server.serve(sockets=[sock]))
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield Served(sock.getsockname()[1])
    finally:
        server.should_exit = True
        task.result(timeout=15)
        sock.close()
        loop.close()


def read_answer(sock: socket.socket, limit: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection (or ``limit`` seconds pass)."""
    sock.settimeout(limit)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return answer


def healthz_head(*extra: str) -> bytes:
    lines = ["GET /healthz HTTP/1.1", "Host: 127.0.0.1", *extra, "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_an_ordinary_request_is_served_and_keep_alive_still_works(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        first = b""
        while not first.endswith(b'{"status":"ok"}'):
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        sock.sendall(healthz_head())
        assert read_answer(sock).startswith(b"HTTP/1.1 200 ")


def test_a_header_over_16_kib_is_431(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(healthz_head("X-Big: " + "a" * 20_000))
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]


def test_a_megabyte_header_is_cut_off_without_being_buffered(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nX-Big: ")
        sent = 0
        try:
            while sent < 1024 * 1024:
                sock.sendall(b"a" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection while we were still sending: what we want
        answer = read_answer(sock)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:100]


def test_more_than_100_headers_is_431(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(healthz_head(*(f"X-H{n}: v" for n in range(150))))
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]


def test_a_head_sent_too_slowly_is_408(served: Served) -> None:
    started = time.monotonic()
    with served.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    assert HEADER_TIMEOUT <= time.monotonic() - started < HEADER_TIMEOUT + 3


def test_a_connection_that_sends_nothing_is_closed(served: Served) -> None:
    started = time.monotonic()
    with served.connect() as sock:
        answer = read_answer(sock)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < HEADER_TIMEOUT + 3


def test_a_body_sent_too_slowly_is_408(served: Served) -> None:
    started = time.monotonic()
    with served.connect() as sock:
        sock.sendall(
            b"POST /webhooks/mpesa/abcdefgh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    assert BODY_TIMEOUT <= time.monotonic() - started < BODY_TIMEOUT + 3


async def test_connections_beyond_the_cap_are_refused_at_once(served: Served) -> None:
    held = [served.connect() for _ in range(MAX_CONNECTIONS)]
    try:
        await asyncio.sleep(0.05)
        with served.connect() as extra:
            answer = await asyncio.to_thread(read_answer, extra, 2.0)
        assert answer.startswith(b"HTTP/1.1 503 "), answer[:100]
    finally:
        for sock in held:
            sock.close()
