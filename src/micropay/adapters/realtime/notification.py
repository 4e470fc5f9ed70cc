"""The payload of a change notification on the ``micropay_changes`` channel: ids only, as JSON.

The database writes it (the triggers of migration 0010), so this module only reads it:
``{"merchant_id": "acct_…", "environment": "sandbox", "intent_id": "pi_…" | null, "event_id": "evt_…" | null}``.
Ids are short, far below ``NOTIFY``'s 8000-byte limit.
"""

from __future__ import annotations

from typing import Final

import msgspec

from micropay.domain.model.environment import Environment, Tenant
from micropay.ports.change_feed import Change

CHANNEL: Final = "micropay_changes"
#: Migration 0011: the payload is the SHA-256 hash of a changed API key, or ``*`` for every key.
KEY_CHANNEL: Final = "micropay_api_keys"
#: A payload on ``KEY_CHANNEL`` that is no hash: each listener answers ``<barrier>:<its backend pid>`` on
#: ``ACK_CHANNEL`` once it has handled every notification before it (``PgListenNotifyChangeFeed.key_barrier``).
BARRIER_PREFIX: Final = "barrier:"
ACK_CHANNEL: Final = "micropay_api_keys_ack"
#: The ``application_name`` of every LISTEN connection (how a barrier counts the listening processes).
LISTENER_NAME: Final = "micropay-listen"


class _Payload(msgspec.Struct, frozen=True):
    merchant_id: str
    environment: Environment
    intent_id: str | None = None
    event_id: str | None = None


_decoder: Final = msgspec.json.Decoder(_Payload)


def decode_change(payload: str) -> Change | None:
    """The change a notification announces, or ``None`` for a payload that is not ours (never raises)."""
    try:
        parsed = _decoder.decode(payload)
    except msgspec.DecodeError:
        return None
    tenant = Tenant(merchant_id=parsed.merchant_id, environment=parsed.environment)
    return Change(tenant=tenant, intent_id=parsed.intent_id, event_id=parsed.event_id)
