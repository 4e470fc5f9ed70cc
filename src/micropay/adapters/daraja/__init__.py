"""The Daraja (M-Pesa Express) adapter: gateway, callback parser, circuit breaker and the shared client."""

from __future__ import annotations

from micropay.adapters.daraja.backoff import QueryBackoff
from micropay.adapters.daraja.breaker import BreakingDarajaGateway
from micropay.adapters.daraja.callback_parser import DarajaCallbackParser
from micropay.adapters.daraja.client import make_daraja_client
from micropay.adapters.daraja.gateway import HttpxDarajaGateway

__all__ = [
    "BreakingDarajaGateway",
    "DarajaCallbackParser",
    "HttpxDarajaGateway",
    "QueryBackoff",
    "make_daraja_client",
]
