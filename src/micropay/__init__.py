"""Micropay: self-hostable M-Pesa (Daraja) payment orchestration.

Embedding it in a Python service (docs/embedding.md)::

    from micropay import Settings, embedded

    async with embedded(Settings.from_env()) as micropay:
        ...

The names below are the stable public face; they are imported on first use, so ``import micropay`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "embedded": "micropay.entrypoints.embedded",
    "Micropay": "micropay.entrypoints.embedded",
    "ConfirmFailed": "micropay.entrypoints.embedded",
    "Settings": "micropay.entrypoints.settings",
    "Tenant": "micropay.domain.model.environment",
    "Environment": "micropay.domain.model.environment",
    "IntentStatus": "micropay.domain.model.intent",
    "Event": "micropay.domain.model.events",
    "EventType": "micropay.domain.model.events",
    "ProviderAttempt": "micropay.domain.model.attempt",
    "MicropayError": "micropay.domain.errors",
}
_RENAMED = {"PaymentIntent": ("micropay.domain.model.public_intent", "PublicPaymentIntent")}

__all__ = [
    "ConfirmFailed",
    "Environment",
    "Event",
    "EventType",
    "IntentStatus",
    "Micropay",
    "MicropayError",
    "PaymentIntent",
    "ProviderAttempt",
    "Settings",
    "Tenant",
    "__version__",
    "embedded",
]

if TYPE_CHECKING:
    from micropay.domain.errors import MicropayError
    from micropay.domain.model.attempt import ProviderAttempt
    from micropay.domain.model.environment import Environment, Tenant
    from micropay.domain.model.events import Event, EventType
    from micropay.domain.model.intent import IntentStatus
    from micropay.domain.model.public_intent import PublicPaymentIntent as PaymentIntent
    from micropay.entrypoints.embedded import ConfirmFailed, Micropay, embedded
    from micropay.entrypoints.settings import Settings


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    if name in _RENAMED:
        module, attribute = _RENAMED[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'micropay' has no attribute {name!r}")
