"""Small adapters to the operating system: the wall clock, secure ids and callback tokens."""

from micropay.adapters.system.callback_tokens import Sha256CallbackTokenIssuer
from micropay.adapters.system.clock import SystemClock
from micropay.adapters.system.ids import SecureIdGenerator

__all__ = ["SecureIdGenerator", "Sha256CallbackTokenIssuer", "SystemClock"]
