"""The URL rules and the address rule of the SSRF guard (pure)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.environment import Environment
from micropay.domain.model.webhook_urls import is_public, parse_target

SANDBOX, PRODUCTION = Environment.SANDBOX, Environment.PRODUCTION


@pytest.mark.parametrize(
    "url",
    [
        "ftp://shop.example/hook",
        "javascript:alert(1)",
        "https://user:pass@shop.example/hook",
        "https://user@shop.example/hook",
        "https:///nohost",
        "https://shop.example/" + "a" * 2048,
        "https://shop.example/a b",
        "https://shop.example:99999/",
        "",
        None,
        42,
        "http://127.0.0.1/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://localhost:8000/hook",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
    ],
)
def test_refused_urls(url: object) -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_target(url, SANDBOX, allow_private=False)
    assert caught.value.param == "url"
    assert caught.value.code == "url_invalid"


def test_production_needs_https_unless_private_targets_are_allowed() -> None:
    with pytest.raises(InvalidParameter):
        parse_target("http://shop.example/hook", PRODUCTION, allow_private=False)
    assert parse_target("https://shop.example/hook", PRODUCTION, allow_private=False).port == 443
    assert parse_target("http://shop.example/hook", SANDBOX, allow_private=False).port == 80
    assert parse_target("http://127.0.0.1:9000/h", PRODUCTION, allow_private=True).port == 9000


def test_2048_characters_are_allowed() -> None:
    url = "https://shop.example/" + "a" * (2048 - len("https://shop.example/"))
    assert parse_target(url, SANDBOX, allow_private=False).url == url


@given(st.ip_addresses())
def test_is_public_only_for_global_unicast(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    inner = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address
    if is_public(address):
        assert inner.is_global
        assert not (inner.is_loopback)
        assert not (inner.is_private)
        assert not (inner.is_link_local)
        assert not (inner.is_multicast)
        assert not inner.is_unspecified


@pytest.mark.parametrize("text", ["93.184.216.34", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses(text: str) -> None:
    assert is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize(
    "text",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "0.0.0.0",
        "::",
        "fe80::1",
        "fc00::1",
        "224.0.0.1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "100.64.0.1",
    ],
)
def test_non_public_addresses(text: str) -> None:
    assert not is_public(ipaddress.ip_address(text))
