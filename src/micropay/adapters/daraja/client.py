"""The one ``httpx.AsyncClient`` the composition root shares between all Daraja calls."""

from __future__ import annotations

import httpx


def make_daraja_client(
    *,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
    write_timeout: float = 10.0,
    pool_timeout: float = 5.0,
    max_connections: int = 100,
) -> httpx.AsyncClient:
    """An async client with explicit timeouts. The caller owns it and must ``aclose()`` it on shutdown.

    ``read_timeout`` bounds how long an STK push may wait for Daraja's answer; past it the push counts as
    sent-but-unanswered (``PushAnswerLost``). Redirects are not followed: Daraja never redirects an API call.
    """
    return httpx.AsyncClient(
        timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=write_timeout, pool=pool_timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections // 5 or 1),
        follow_redirects=False,
    )
