"""Errors that any adapter may raise through a port."""

from __future__ import annotations

from micropay.domain.errors import MicropayError


class StorageUnavailable(MicropayError):
    """The database could not be reached or failed; nothing was written (the transaction rolled back)."""

    code = "storage_unavailable"


class ConcurrentUpdate(MicropayError):
    """Someone else changed the row first (optimistic lock on ``version``). Reload and decide again."""

    code = "concurrent_update"
