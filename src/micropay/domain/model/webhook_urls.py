"""Which URLs may receive webhooks (contract §9), as pure rules over the URL text and resolved addresses.

The syntax rules apply when an endpoint is saved. The address rule (no loopback, private, link-local,
multicast, unspecified or otherwise reserved target) applies to every address a host name resolves to, at
save time and again before every delivery, because DNS may change between the two.
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.environment import Environment

MAX_URL_LENGTH: Final = 2048
URL_INVALID: Final = "url_invalid"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookTarget:
    """A parsed, syntactically valid target: scheme, host (a name or an address literal), port, the URL."""

    __slots__ = ("host", "port", "scheme", "url")

    def __init__(self, url: str, scheme: str, host: str, port: int) -> None:
        self.url = url
        self.scheme = scheme
        self.host = host
        self.port = port

    @property
    def literal_address(self) -> IpAddress | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def _refuse(message: str) -> InvalidParameter:
    return InvalidParameter("url", message, code=URL_INVALID)


def parse_target(url: object, environment: Environment, *, allow_private: bool) -> WebhookTarget:
    """``http``/``https`` only, no credentials, at most 2048 characters, a host; ``https`` for production
    unless private targets are allowed. Raises ``InvalidParameter`` (``url_invalid``)."""
    if not isinstance(url, str) or not url:
        raise _refuse("url must be an http or https URL.")
    if len(url) > MAX_URL_LENGTH:
        raise _refuse(f"url may be at most {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise _refuse("url may not contain whitespace or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse("url is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _refuse("url must use http or https.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _refuse("url may not contain credentials.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _refuse("url must name a host.")
    if environment is Environment.PRODUCTION and scheme != "https" and not allow_private:
        raise _refuse("Production endpoints must use https.")
    target = WebhookTarget(url, scheme, host, port or (443 if scheme == "https" else 80))
    literal = target.literal_address
    if literal is not None and not allow_private:
        check_address(literal)
    elif literal is None and host.lower() in ("localhost", "localhost.localdomain") and not allow_private:
        raise _refuse("url may not target this machine.")
    return target


def is_public(address: IpAddress) -> bool:
    """True only for globally routable unicast addresses (IPv4-mapped IPv6 judged as the IPv4 inside)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    ):
        return False
    return address.is_global


def check_address(address: IpAddress) -> None:
    """Raises ``InvalidParameter`` (``url_invalid``) for a target that is not a public unicast address."""
    if not is_public(address):
        raise _refuse(
            "url resolves to a loopback, private, link-local, multicast or unspecified address, "
            "which cannot receive webhooks."
        )
