"""Measure the HTTP server under hostile clients (issue 10, defect 6): loopback only, bounded, stops by itself.

    .venv/bin/python bench/slowloris.py            # micropay serve (our limits)
    .venv/bin/python bench/slowloris.py --stock    # stock uvicorn, for the "before" figures

It starts the server on 127.0.0.1 with a throwaway SQLite database, then: sends one 1 MB header and one
request with 2,000 headers (what status comes back), holds 10 connections each trickling an unfinished
head of up to 20 MB (RSS before/after, how many the server closed), and holds 50 idle slow heads for 15 s.
The figures are in docs/operations.md ("HTTP server limits").
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def status_of(port: int, head: bytes) -> str:
    try:
        with socket.create_connection((HOST, port), timeout=10) as sock:
            sock.sendall(head)
            return sock.recv(64).split(b"\r\n")[0].decode(errors="replace") or "closed"
    except OSError as exc:
        return f"closed ({type(exc).__name__})"


def trickle_heads(port: int, clients: int, megabytes: int, seconds: float) -> tuple[int, int]:
    """``clients`` connections each sending an endless header, 1 MB a round, up to ``megabytes``."""
    socks = [socket.create_connection((HOST, port), timeout=5) for _ in range(clients)]
    for sock in socks:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    chunk = b"a" * (1024 * 1024)
    closed: set[int] = set()
    deadline = time.monotonic() + seconds
    for _ in range(megabytes):
        for index, sock in enumerate(socks):
            if index in closed:
                continue
            try:
                sock.sendall(chunk)
            except OSError:
                closed.add(index)
        if time.monotonic() > deadline:
            break
    for sock in socks:
        sock.close()
    return clients, len(closed)


def idle_heads(port: int, clients: int, hold: float) -> int:
    """``clients`` connections that send half a head and wait: how many are still open after ``hold`` s."""
    socks = [socket.create_connection((HOST, port), timeout=5) for _ in range(clients)]
    for sock in socks:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        sock.setblocking(False)
    time.sleep(hold)
    alive = 0
    for sock in socks:
        try:
            sock.recv(1)  # an answer (408) or b"" (closed): the server let it go
        except BlockingIOError:
            alive += 1  # nothing sent back and not closed: still held
        except OSError:
            pass
        sock.close()
    return alive


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stock", action="store_true", help="stock uvicorn instead of micropay serve")
    parser.add_argument("--port", type=int, default=18931)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="micropay-slowloris-"))
    env = {
        **os.environ,
        "MICROPAY_DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/micropay.db",
        "MICROPAY_VAULT_KEY": base64.b64encode(os.urandom(32)).decode(),
        "MICROPAY_RECONCILE_INTERVAL": "0",
        "MICROPAY_LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    subprocess.run([python, "-m", "micropay.entrypoints.cli", "db", "upgrade"], env=env, check=True)
    if args.stock:
        command = [python, "-m", "uvicorn", "--factory", "micropay.entrypoints.http.app:app_factory"]
        command += ["--host", HOST, "--port", str(args.port), "--log-level", "warning", "--no-access-log"]
    else:
        command = [python, "-m", "micropay.entrypoints.cli", "serve", "--host", HOST, "--port", str(args.port)]
    server = subprocess.Popen(command, env=env)
    try:
        for _ in range(200):
            try:
                socket.create_connection((HOST, args.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.5)
        name = "stock uvicorn" if args.stock else "micropay serve"
        print(f"server: {name}; RSS at start {rss_mb(server.pid):.0f} MB")
        big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1024 * 1024) + b"\r\nConnection: close\r\n\r\n"
        print(f"1 MB header: {status_of(args.port, big)}")
        many = "".join(f"X-H{n}: v\r\n" for n in range(2000)).encode()
        many_head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"
        print(f"2,000 headers: {status_of(args.port, many_head)}")
        before = rss_mb(server.pid)
        clients, cut = trickle_heads(args.port, clients=10, megabytes=20, seconds=60)
        time.sleep(0.5)
        print(f"10 unfinished 20 MB heads: RSS {before:.0f} -> {rss_mb(server.pid):.0f} MB; {cut}/{clients} cut off")
        alive = idle_heads(args.port, clients=50, hold=15)
        print(f"50 half-sent heads held 15 s: {alive} still open")
    finally:
        server.terminate()
        server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
