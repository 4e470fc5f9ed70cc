"""The SSRF guard: resolve the target's host once, refuse non-public addresses, connect to the checked one.

Resolving here and connecting to the address that was checked (instead of letting the HTTP client resolve
again) closes the DNS-rebinding gap: a name that answers a public address to the check and 127.0.0.1 to the
connect cannot get through. The ``Host`` header and TLS SNI still carry the name, so certificates verify
against it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.environment import Environment
from micropay.domain.model.webhook_urls import IpAddress, check_address, parse_target

Resolver = Callable[[str, int], Awaitable[list[str]]]
RESOLVE_TIMEOUT_SECONDS: Final = 5.0


class TargetRefused(Exception):
    """The target may not receive webhooks (or did not resolve); the message says why, without secrets."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the operating system's resolver)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class ConnectPlan:
    """Where to connect (the checked address, in a URL) and what to present (Host header, SNI name)."""

    __slots__ = ("address", "host_header", "sni_hostname", "url")

    def __init__(self, url: str, address: IpAddress, host_header: str, sni_hostname: str | None) -> None:
        self.url = url
        self.address = address
        self.host_header = host_header
        self.sni_hostname = sni_hostname


async def plan_connection(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> ConnectPlan:
    """Raises ``TargetRefused`` for a bad URL, a name that does not resolve, or any non-public address."""
    try:
        target = parse_target(url, Environment.SANDBOX, allow_private=allow_private)
    except InvalidParameter as exc:
        raise TargetRefused(exc.message) from None
    literal = target.literal_address
    if literal is not None:
        addresses: list[IpAddress] = [literal]
    else:
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
                found = await resolve(target.host, target.port)
        except (OSError, TimeoutError):
            raise TargetRefused("The host name did not resolve.") from None
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
        if not addresses:
            raise TargetRefused("The host name did not resolve.")
    if not allow_private:
        for address in addresses:  # every answer, not just the first: the client might have used any
            try:
                check_address(address)
            except InvalidParameter as exc:
                raise TargetRefused(exc.message) from None
    chosen = addresses[0]
    parts = urlsplit(url)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    literal_host = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    connect_url = urlunsplit((target.scheme, f"{literal_host}:{target.port}", parts.path or "/", parts.query, ""))
    sni = target.host if target.scheme == "https" and literal is None else None
    return ConnectPlan(connect_url, chosen, host_header, sni)
